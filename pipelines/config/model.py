"""The schema of `config/segments.yml`: pydantic models that reject unknown keys and bad values."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from pipelines.value.config import ClvConfig

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
ValueCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=60)]
Text = Annotated[str, Field(min_length=1)]
Score = Annotated[int, Field(ge=1, le=5)]
CutScore = Annotated[int, Field(ge=2, le=5)]


class ConfigError(ValueError):
    """The segmentation config is unusable; the message names the file and the key path."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Windows(_Model):
    rfm_days: int = Field(365, gt=0)
    annual_spend_days: int = Field(365, gt=0)
    complaint_days: int = Field(365, gt=0)


class Outliers(_Model):
    method: Literal["iqr", "quantile", "fixed", "none"] = "iqr"
    iqr_multiplier: float = Field(3.0, gt=0)
    quantile: float = Field(0.999, gt=0, lt=1)
    max_amount: float | None = Field(None, gt=0)
    min_orders: int = Field(20, ge=1)
    group_by_customer_type: bool = True
    # Published spend measures always use the real amounts; handling only changes the scoring input.
    handling: Literal["cap", "exclude", "keep"] = "keep"

    @model_validator(mode="after")
    def _fixed_needs_amount(self) -> Outliers:
        if self.method == "fixed" and self.max_amount is None:
            raise ValueError("method 'fixed' needs max_amount")
        return self


class FixedCutPoints(_Model):
    """score -> bound: minimum value for frequency and monetary, maximum days for recency."""

    frequency: dict[CutScore, float] = Field(default_factory=lambda: {5: 10, 3: 5})
    monetary: dict[CutScore, float] = Field(default_factory=lambda: {5: 10000, 3: 3000})
    recency_days: dict[CutScore, float] = Field(default_factory=lambda: {5: 30, 4: 90, 3: 180, 2: 365})

    @model_validator(mode="after")
    def _monotonic(self) -> FixedCutPoints:
        for metric, higher_is_better in (("frequency", True), ("monetary", True), ("recency_days", False)):
            bounds = [bound for _, bound in sorted(getattr(self, metric).items())]
            ordered = sorted(bounds) if higher_is_better else sorted(bounds, reverse=True)
            if bounds != ordered or len(set(bounds)) != len(bounds):
                direction = "increase" if higher_is_better else "decrease"
                raise ValueError(f"{metric}: bounds must strictly {direction} with the score, got {bounds}")
        return self


class Scoring(_Model):
    mode: Literal["quantile", "fixed"] = "quantile"
    no_activity_score: Score = 1
    fixed_cut_points: FixedCutPoints = Field(default_factory=FixedCutPoints)


class RfmClass(_Model):
    code: Code
    r: Literal["high", "low"]
    f: Literal["high", "low"]
    m: Literal["high", "low"]
    label_zh: Text
    label_en: Text


class RfmSegments(_Model):
    high_rule: Literal["score_threshold", "above_mean"] = "score_threshold"
    high_min_score: Score = 3
    classes: list[RfmClass]

    @model_validator(mode="after")
    def _eight_classes(self) -> RfmSegments:
        combos = [(c.r, c.f, c.m) for c in self.classes]
        if len(set(combos)) != 8 or len(combos) != 8:
            raise ValueError("classes must cover each of the 8 high/low combinations of r, f, m exactly once")
        if len({c.code for c in self.classes}) != 8:
            raise ValueError("class codes must be unique")
        return self


class Strategy(_Model):
    direction_zh: Text
    direction_en: Text
    measures_zh: list[Text] = Field(min_length=1)
    measures_en: list[Text] = Field(min_length=1)


ReviewCadence = Literal["monthly", "quarterly", "half_yearly", "yearly"]


class SegmentRule(_Model):
    code: Code
    label_zh: Text
    label_en: Text
    # What the rule means, in both languages. `description` is the older, English-only key: a config
    # that has it (and no description_en) still loads. Without description_zh the English text is
    # published in both columns.
    description_en: Text
    description_zh: Text | None = None
    rule: Text
    strategy: Strategy
    # Who acts on the segment, and how often the segment and its strategy are reviewed.
    owner: Text = "marketing"
    review_cadence: ReviewCadence = "quarterly"

    @model_validator(mode="before")
    @classmethod
    def _description_is_description_en(cls, data: Any) -> Any:
        if isinstance(data, dict) and "description" in data:
            if "description_en" in data:
                raise ValueError("give description_en (description is its older name), not both")
            data = {k: v for k, v in data.items() if k != "description"} | {
                "description_en": data["description"]
            }
        return data


class Quadrant(_Model):
    code: Code
    high_value: bool
    high_potential: bool
    label_zh: Text
    label_en: Text


class Matrix(_Model):
    value_rule: Text
    potential_rule: Text
    quadrants: list[Quadrant]

    @model_validator(mode="after")
    def _four_quadrants(self) -> Matrix:
        combos = {(q.high_value, q.high_potential) for q in self.quadrants}
        if len(combos) != 4 or len(self.quadrants) != 4:
            raise ValueError("quadrants must cover each high/low combination of value and potential once")
        return self


class SegmentColumns(_Model):
    """Columns of dim_customers that show the value of one tag attribute."""

    value_tier: Code = "contribution"
    lifecycle_stage: Code = "lifecycle"
    churn_risk: Code = "churn_risk"
    complaint_risk: Code = "complaint_risk"


class Label(_Model):
    label_zh: Text
    label_en: Text


class TagValue(_Model):
    value: ValueCode
    label_zh: Text
    label_en: Text
    definition: Text
    rule: Text


class TagAttribute(_Model):
    attribute: Code
    level1: Code
    level2: Code
    label_zh: Text
    label_en: Text
    data_source: Text
    # Either a list of values (first true rule wins) ...
    values: list[TagValue] | None = None
    # ... or a value taken from the data when `rule` holds.
    value_sql: Text | None = None
    rule: Text | None = None
    definition: Text | None = None
    # The display names of the values value_sql gives: a key of `vocabulary` (an unknown value is
    # published as it is).
    vocabulary: Code | None = None

    @model_validator(mode="after")
    def _values_or_expression(self) -> TagAttribute:
        dynamic = (self.value_sql, self.rule, self.definition)
        if self.values is not None:
            if any(dynamic):
                raise ValueError("give either values or value_sql/rule/definition, not both")
            if not self.values or len({v.value for v in self.values}) != len(self.values):
                raise ValueError("values must be a non-empty list of distinct values")
        elif not all(dynamic):
            raise ValueError("an attribute without values needs value_sql, rule and definition")
        if self.values is not None and self.vocabulary is not None:
            raise ValueError("vocabulary names the values of value_sql; attributes with values label them")
        return self


class Quality(_Model):
    """Bounds of the warning checks (pipelines/quality): crossing one warns, it never blocks."""

    # Percentage points a business segment's share of customers may move between two snapshots.
    max_segment_share_change_points: float = Field(10.0, gt=0, le=100)
    # Relative change of the mean monetary between two snapshots (0.25 = 25 %).
    max_mean_monetary_change: float = Field(0.25, gt=0)
    # Share of a source's rows in one load that may go to quarantine.
    max_quarantine_rate: float = Field(0.05, ge=0, le=1)
    # Relative change of a source's rows read versus its previous load.
    max_volume_change: float = Field(0.5, gt=0)
    # Tag coverage (dbt warning test assert_tag_values_are_held): a tag value held by more than this
    # share of the customers its attribute applies to says nothing about them.
    max_tag_value_share: float = Field(0.95, gt=0, le=1)
    # tag_codes that may legitimately be held by nobody (not reported as unused).
    tag_values_allowed_empty: list[ValueCode] = Field(default_factory=list)


class Insight(_Model):
    """Segment insight (segment_profiles / _portraits / _samples, assert_segments_are_distinct)."""

    # Profile dimensions: tag attributes (values and labels from the tags), customer columns of
    # dim_customers without a tag (raw values) and numeric columns (median and quartiles).
    segment_profile_tag_attributes: list[Code] = Field(default_factory=list)
    segment_profile_columns: dict[Code, Label] = Field(default_factory=dict)
    segment_profile_numeric: dict[Code, Label] = Field(default_factory=dict)
    segment_profile_top_values: int = Field(5, ge=1)
    portrait_min_lift: float = Field(1.2, gt=0)
    portrait_min_share: float = Field(0.2, ge=0, le=1)
    portrait_max_attributes: int = Field(3, ge=1, le=10)
    sample_size: int = Field(25, ge=1)
    max_segment_share: float = Field(0.6, gt=0, le=1)


class Clusters(_Model):
    """The k-means view of the segments (pipelines/insight): what is fitted, on how many customers."""

    # None: the k of k_range with the best silhouette; an int: that k.
    k: int | None = Field(None, ge=2, le=10)
    k_range: tuple[Annotated[int, Field(ge=2, le=10)], Annotated[int, Field(ge=2, le=10)]] = (3, 5)
    # Extra numeric columns of dim_customers, next to recency_days, frequency and monetary.
    features: list[Code] = Field(default_factory=list)
    fit_sample_size: int = Field(20000, ge=10, le=1_000_000)
    # silhouette costs n^2 distances: it is computed on the first customers of the fit sample.
    silhouette_sample_size: int = Field(5000, ge=10, le=50_000)

    @model_validator(mode="after")
    def _range_and_sizes(self) -> Clusters:
        if self.k_range[0] > self.k_range[1]:
            raise ValueError(f"k_range: the lower bound must not exceed the upper, got {list(self.k_range)}")
        if self.silhouette_sample_size > self.fit_sample_size:
            raise ValueError("silhouette_sample_size must not exceed fit_sample_size (it is a part of it)")
        if len(set(self.features)) != len(self.features):
            raise ValueError("features: each column once")
        return self


Share = Annotated[float, Field(ge=0, lt=1)]


class Holdouts(_Model):
    """Holdout groups: the share of each segment left out of its campaigns, to measure their effect."""

    # Share of every segment's customers in the holdout, unless by_segment names the segment.
    default_share: Share = 0.05
    # segment code -> share (0 = no holdout for that segment).
    by_segment: dict[Code, Share] = Field(default_factory=dict)


class Outcomes(_Model):
    """How segment_outcomes judges where a segment's customers went in the next quarter."""

    # Moving into one of these segments (from one that is not) counts as churned, like leaving the CRM.
    churn_segments: list[Code] = Field(default_factory=list)


# The defaults live in ClvConfig (pipelines/value/config.py); this section only exposes them.
_CLV = ClvConfig()


class Clv(_Model):
    """Predicted value (pipelines/value): BG/NBD + Gamma-Gamma fitted per snapshot on a sample."""

    fit_sample_size: int = Field(_CLV.sample_size, ge=100, le=10_000_000)
    min_repeat_customers: int = Field(_CLV.min_repeat_customers, ge=2)
    annual_discount_rate: float = Field(_CLV.annual_discount_rate, ge=0, le=1)
    horizon_days: float = Field(_CLV.horizon_days, gt=0, le=3650)
    clv_months: int = Field(_CLV.clv_months, ge=1, le=120)
    margin: float = Field(_CLV.margin, gt=0, le=1)

    @model_validator(mode="after")
    def _repeat_customers_fit_in_the_sample(self) -> Clv:
        if self.min_repeat_customers > self.fit_sample_size:
            raise ValueError("min_repeat_customers must not exceed fit_sample_size (they are counted in it)")
        return self

    def to_clv_config(self) -> ClvConfig:
        """The ClvConfig the models are fitted and predicted with (its other settings: defaults)."""
        return ClvConfig(
            sample_size=self.fit_sample_size,
            min_repeat_customers=self.min_repeat_customers,
            annual_discount_rate=self.annual_discount_rate,
            horizon_days=self.horizon_days,
            clv_months=self.clv_months,
            margin=self.margin,
        )


class SegmentationConfig(_Model):
    display_language: Literal["zh", "en"] = "zh"
    windows: Windows = Field(default_factory=Windows)
    outliers: Outliers = Field(default_factory=Outliers)
    scoring: Scoring = Field(default_factory=Scoring)
    rfm_segments: RfmSegments
    parameters: dict[Code, int | float | str] = Field(default_factory=dict)
    segments: list[SegmentRule] = Field(min_length=1, max_length=8)
    value_potential_matrix: Matrix
    segment_columns: SegmentColumns = Field(default_factory=SegmentColumns)
    tag_levels: dict[Code, Label]
    tag_sublevels: dict[Code, Label]
    tags: list[TagAttribute] = Field(min_length=1)
    # Display names of data-driven tag values: vocabulary -> raw value -> labels.
    vocabulary: dict[Code, dict[Text, Label]] = Field(default_factory=dict)
    quality: Quality = Field(default_factory=Quality)
    insight: Insight = Field(default_factory=Insight)
    clusters: Clusters = Field(default_factory=Clusters)
    holdouts: Holdouts = Field(default_factory=Holdouts)
    outcomes: Outcomes = Field(default_factory=Outcomes)
    clv: Clv = Field(default_factory=Clv)

    _source: Path | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)

    @property
    def source(self) -> str:
        return str(self._source) if self._source else "<in memory>"

    @property
    def sha256(self) -> str:
        return self._sha256 or ""
