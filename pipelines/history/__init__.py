"""The part of the history written in Python: masked contacts and the salted contact hash.

Everything else of the history is dbt models (`dbt_project/models/history/`); this table is not,
because its hash needs SEGMENTS_PII_SALT, which must not reach dbt's compiled SQL, artifacts or logs.
"""
