"""Settings of the predicted-value models (BG/NBD + Gamma-Gamma); all durations are in days."""

from __future__ import annotations

from dataclasses import dataclass

# A month for discounting is a twelfth of a Julian year, so twelve of them make the 12-month horizon.
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class ClvConfig:
    """How the models are fitted and what the predictions cover.

    sample_size: customers the models are fitted on (a deterministic hash sample when there are
        more); predictions always cover every customer. 100k fits in about a second.
    sample_seed: salt of the sample hash; the same customers and seed give the same sample.
    horizon_days: the window of `expected_orders_90d`.
    clv_months: the CLV horizon in months of DAYS_PER_MONTH days.
    annual_discount_rate: the yearly rate future value is discounted at; month i's value is divided
        by (1 + monthly_discount_rate) ** i, the monthly rate being its twelfth root (so twelve
        months discount by exactly the annual rate).
    margin: share of spend counted as value (1.0 = revenue).
    min_repeat_customers: below this many customers with a repeat order in the sample the fit is
        refused (ClvFitError): dropout and spend are not identified without repeat buyers.
    max_spend_frequency_correlation: Gamma-Gamma assumes spend per order independent of frequency;
        a larger |Pearson correlation| in the fit sample is flagged (not refused).
    """

    sample_size: int = 100_000
    sample_seed: int = 14
    horizon_days: float = 90.0
    clv_months: int = 12
    annual_discount_rate: float = 0.12
    margin: float = 1.0
    min_repeat_customers: int = 20
    max_spend_frequency_correlation: float = 0.3

    @property
    def monthly_discount_rate(self) -> float:
        return (1.0 + self.annual_discount_rate) ** (1.0 / 12.0) - 1.0
