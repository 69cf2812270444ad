"""Synthetic customers: who they are (CRM attributes) and how they will behave (latent profile).

Builds two tables in the generator's DuckDB: `cust` (one latent profile per customer, read by the
order and ticket stages) and `crm` (the typed CRM attributes). SQL in `sql/customers.sql`.
"""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.generate import vocab
from pipelines.generate.engine import run_script

ENTERPRISE_SHARE = 0.15
PRE_WINDOW_SHARE = 0.12  # registered before the history window starts
PRE_WINDOW_YEARS = 4  # ... at most this many years before it
GROWTH = 1.0  # daily arrivals at the end of the window are e^GROWTH times those at its start
NEVER_BUY_SHARE = 0.13
ONE_OFF_SHARE = 0.36  # of buyers: exactly one order
CHURN_SHARE = 0.35  # of repeat buyers: stop buying at some date inside the window
RATE_MEDIAN = {"individual": 8.8, "enterprise": 12.0}  # orders per year of a repeat buyer
RATE_SIGMA = 0.9
AMOUNT_MEDIAN = {"individual": 110.0, "enterprise": 1500.0}  # CNY per order, before category
MAX_ORDERS = 600
SPEND_LEVELS = {"silver": 1_500.0, "gold": 5_000.0, "vip": 20_000.0}  # expected spend per year
ZONED_SHARE = 0.2  # CRM rows whose timestamps are written in Beijing time (+08:00)


def customer_id_width(customers: int) -> int:
    """Digits of a customer id: room for twice the customers (unknown ids live above them)."""
    return max(7, len(str(2 * customers)))


def vocabulary_params() -> dict[str, object]:
    """The vocabularies as SQL list parameters (1-based indexes for weighted picks)."""
    categories = vocab.CATEGORIES
    cities = [list(vocab.CITIES[tier]) for tier in sorted(vocab.CITIES)]
    return {
        "surnames": [s for s, _, _ in vocab.SURNAMES],
        "surnames_py": [p for _, p, _ in vocab.SURNAMES],
        "surname_slots": vocab.weighted_slots([w for _, _, w in vocab.SURNAMES]),
        "given_male": [c for c, _ in vocab.GIVEN_MALE],
        "given_male_py": [p for _, p in vocab.GIVEN_MALE],
        "given_female": [c for c, _ in vocab.GIVEN_FEMALE],
        "given_female_py": [p for _, p in vocab.GIVEN_FEMALE],
        "domain_slots": [
            vocab.EMAIL_DOMAINS[i - 1][0] for i in vocab.weighted_slots([w for _, w in vocab.EMAIL_DOMAINS])
        ],
        "qq_prefix": [str(d) for d in range(1, 10)],
        "phone_prefixes": list(vocab.PHONE_PREFIXES),
        "cities": cities,
        "tier_slots": vocab.weighted_slots(vocab.TIER_SHARES),
        "occupation_slots": [
            vocab.OCCUPATIONS[i - 1][0] for i in vocab.weighted_slots([w for _, w in vocab.OCCUPATIONS])
        ],
        "industries": [code for code, _, _, _ in vocab.INDUSTRIES],
        "industry_words": [word for _, word, _, _ in vocab.INDUSTRIES],
        "industry_slugs": [slug for _, _, slug, _ in vocab.INDUSTRIES],
        "industry_slots": vocab.weighted_slots([w for _, _, _, w in vocab.INDUSTRIES]),
        "brands": [b for b, _ in vocab.BRANDS],
        "brands_py": [p for _, p in vocab.BRANDS],
        "suffix_slots": [
            vocab.COMPANY_SUFFIXES[i - 1][0]
            for i in vocab.weighted_slots([w for _, w in vocab.COMPANY_SUFFIXES])
        ],
        "mailboxes": list(vocab.COMPANY_MAILBOXES),
        "channel_ind": vocab.weighted_slots(vocab.CHANNEL_WEIGHTS["individual"]),
        "channel_ent": vocab.weighted_slots(vocab.CHANNEL_WEIGHTS["enterprise"]),
        "n_categories": len(categories),
        "category_ind": vocab.weighted_slots([c[2] for c in categories]),
        "category_ent": vocab.weighted_slots([c[3] for c in categories]),
        "payment_ind": vocab.weighted_slots(vocab.PAYMENT_WEIGHTS["individual"]),
        "payment_ent": vocab.weighted_slots(vocab.PAYMENT_WEIGHTS["enterprise"]),
    }


def build_customers(
    conn: duckdb.DuckDBPyConnection, customers: int, start_s: int, end_s: int, end_date: date
) -> int:
    """Create `cust` and `crm` for `customers` customers; `end_s` is the last second of history."""
    params = {
        **vocabulary_params(),
        "n": customers,
        "start_s": start_s,
        "end_s": end_s,
        "end_date": end_date,
        "id_width": customer_id_width(customers),
        "enterprise_share": ENTERPRISE_SHARE,
        "pre_window_share": PRE_WINDOW_SHARE,
        "pre_window_span_s": PRE_WINDOW_YEARS * 31_557_600,
        "growth": GROWTH,
        "never_buy_share": NEVER_BUY_SHARE,
        "one_off_share": ONE_OFF_SHARE,
        "churn_share": CHURN_SHARE,
        "rate_median_ind": RATE_MEDIAN["individual"],
        "rate_median_ent": RATE_MEDIAN["enterprise"],
        "rate_sigma": RATE_SIGMA,
        "amount_median_ind": AMOUNT_MEDIAN["individual"],
        "amount_median_ent": AMOUNT_MEDIAN["enterprise"],
        "max_orders": MAX_ORDERS,
        "silver_spend": SPEND_LEVELS["silver"],
        "gold_spend": SPEND_LEVELS["gold"],
        "vip_spend": SPEND_LEVELS["vip"],
        "zoned_share": ZONED_SHARE,
    }
    run_script(conn, "customers.sql", params)
    return customers
