"""Time the predicted-value core at scale: fit on the bounded sample + predictions for everyone.

    .venv/bin/python bench/clv_bench.py --customers 1000000 [--sample-size 100000] [--whole-days] [--duckdb]

The summary is simulated from the CDNOW parameters of Fader, Hardie and Lee (2005) (alpha converted
to days), with ages between 27 and 39 weeks as in their calibration period. --whole-days rounds
recency and age down to whole days, as the warehouse computes them (many customers then share an
(x, T) pair, which the CLV sum exploits). --duckdb times predict_in_duckdb instead of
predict_customers. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import time

started = time.perf_counter()
import duckdb  # noqa: E402
import numpy as np  # noqa: E402

from pipelines.value.config import ClvConfig  # noqa: E402
from pipelines.value.models import fit_clv_models  # noqa: E402
from pipelines.value.predict import predict_customers  # noqa: E402
from pipelines.value.simulate import simulate_summary  # noqa: E402
from pipelines.value.sql import predict_in_duckdb  # noqa: E402

import_seconds = time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--sample-size", type=int, default=ClvConfig().sample_size)
    parser.add_argument("--whole-days", action="store_true")
    parser.add_argument("--duckdb", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    n = args.customers
    t = time.perf_counter()
    summary = simulate_summary(
        n,
        r=0.243,
        alpha=4.414 * 7,
        a=0.793,
        b=2.426,
        age_days=273.0 - rng.uniform(0, 84, n),
        p=6.25,
        q=3.74,
        v=15.44,
        seed=2,
    )
    if args.whole_days:
        summary["age_days"] = np.floor(summary["age_days"])
        summary["recency_days"] = np.minimum(np.floor(summary["recency_days"]), summary["age_days"])
    simulate_seconds = time.perf_counter() - t
    config = ClvConfig(sample_size=args.sample_size)
    t = time.perf_counter()
    models = fit_clv_models(summary, config)
    fit_seconds = time.perf_counter() - t
    t = time.perf_counter()
    if args.duckdb:
        conn = duckdb.connect()
        conn.register("clv_summary", summary)
        predictions = predict_in_duckdb(conn, models, config).df()
    else:
        predictions = predict_customers(summary, models, config)
    predict_seconds = time.perf_counter() - t
    print(
        json.dumps(
            {
                "customers": n,
                "whole_days": args.whole_days,
                "predict_with": "duckdb" if args.duckdb else "numpy",
                "sample_size": models.bgnbd.sample_size,
                "import_s": round(import_seconds, 2),
                "simulate_s": round(simulate_seconds, 2),
                "fit_s": round(fit_seconds, 2),
                "bgnbd_fit_s": round(models.bgnbd.fit_seconds, 2),
                "gamma_gamma_fit_s": round(models.gamma_gamma.fit_seconds, 2),
                "predict_s": round(predict_seconds, 2),
                "fit_plus_predict_s": round(fit_seconds + predict_seconds, 2),
                "bgnbd": {k: round(v, 4) for k, v in models.bgnbd.params.items()},
                "gamma_gamma": {k: round(v, 4) for k, v in models.gamma_gamma.params.items()},
                "converged": [models.bgnbd.converged, models.gamma_gamma.converged],
                "mean_p_alive": round(float(predictions["p_alive"].mean()), 4),
                "mean_expected_orders_90d": round(float(predictions["expected_orders_90d"].mean()), 4),
                "mean_predicted_clv_12m": round(float(predictions["predicted_clv_12m"].mean()), 2),
                "loadavg": os.getloadavg()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
