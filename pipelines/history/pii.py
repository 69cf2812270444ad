"""Contact data made safe to publish: masked display values and a salted hash, as DuckDB macros.

Published tables never carry a raw name, email or phone. What they carry instead:
- `name_masked`: the first character, then one `*` per remaining character (`张三` -> `张*`);
  a one-character name becomes `*`, since its first character would be all of it.
- `phone_masked`: the national number's first 3 and last 4 digits (`+8613812341234` ->
  `138****1234`); numbers of 7 digits or fewer are masked entirely.
- `contact_hash`: sha256 of the salt followed by the normalised email (lower-cased, as
  `stg_crm__customers` has it) or, for customers without a valid email, the normalised phone
  (E.164, e.g. `+8613812341234`); `contact_hash_basis` says which. A source system that knows the
  salt computes the same hash to join back; without the salt the hash cannot be reversed by
  trying known emails.
- `holdout_draw`: a uniform number in [0, 1) from sha256 of the salt, customer id and snapshot date,
  which decides the customer's holdout group of the quarter (segment_history.in_holdout).
"""

import duckdb

# Temporary macros: they exist for the connection only and never reach a published file.
MACROS = (
    """
    create or replace temp macro mask_name(full_name) as
        case
            when full_name is null or length(full_name) = 0 then null
            when length(full_name) = 1 then '*'
            else left(full_name, 1) || repeat('*', length(full_name) - 1)
        end
    """,
    """
    create or replace temp macro phone_national_digits(phone) as
        case
            when phone like '+86%' then regexp_replace(substr(phone, 4), '[^0-9]', '', 'g')
            else regexp_replace(phone, '[^0-9]', '', 'g')
        end
    """,
    """
    create or replace temp macro mask_digits(digits) as
        case
            when digits is null or length(digits) = 0 then null
            when length(digits) <= 7 then repeat('*', length(digits))
            else left(digits, 3) || repeat('*', length(digits) - 7) || right(digits, 4)
        end
    """,
    """
    create or replace temp macro mask_phone(phone) as mask_digits(phone_national_digits(phone))
    """,
    """
    create or replace temp macro contact_hash(salt, email, phone) as
        case
            when email is not null then sha256(salt || email)
            when phone is not null then sha256(salt || phone)
        end
    """,
    # A uniform draw in [0, 1): the first 52 bits of sha256(salt | customer | snapshot date) over 2^52
    # (a double holds them exactly). Deterministic for the same salt, customer and quarter.
    """
    create or replace temp macro holdout_draw(salt, customer_id, snapshot_date) as
        cast(('0x' || left(sha256(salt || '|' || customer_id || '|' || cast(snapshot_date as varchar)), 13))
            as ubigint) / 4503599627370496.0
    """,
    """
    create or replace temp macro contact_hash_basis(email, phone) as
        case when email is not null then 'email' when phone is not null then 'phone' end
    """,
)


def install_pii_macros(conn: duckdb.DuckDBPyConnection) -> None:
    """Define `mask_name`, `mask_phone`, `contact_hash`, `contact_hash_basis` and `holdout_draw` on `conn`."""
    for macro in MACROS:
        conn.execute(macro)
