"""Measure pymc-marketing's CLV module (BG/NBD + Gamma-Gamma, MAP fit) for docs/clv.md.

Not part of the project environment: run it in a scratch venv that has pymc-marketing, e.g.
    uv venv /tmp/pmm-venv --python python3.11
    uv pip install --python /tmp/pmm-venv/bin/python pymc-marketing
    PYTENSOR_FLAGS=compiledir=/tmp/pt-cold /tmp/pmm-venv/bin/python bench/clv_candidates.py 20000
A fresh compiledir measures the cold C-compilation; running again with the same one measures warm.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import sys
import time

t0 = time.perf_counter()
import pandas as pd  # noqa: E402
from pymc_marketing import clv  # noqa: E402

import_s = time.perf_counter() - t0

_SIM = pathlib.Path(__file__).resolve().parents[1] / "pipelines" / "value" / "simulate.py"
_spec = importlib.util.spec_from_file_location("simulate", _SIM)
simulate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(simulate)


def main(n: int, predict: bool) -> dict:
    import numpy as np

    rng = np.random.default_rng(1)
    age = 273.0 - rng.uniform(0, 84, n)
    frame = simulate.simulate_summary(
        n, r=0.243, alpha=4.414 * 7, a=0.793, b=2.426, age_days=age, p=6.25, q=3.74, v=15.44, seed=2
    )
    data = pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "frequency": frame["frequency"],
            "recency": frame["recency_days"],
            "T": frame["age_days"],
        }
    )
    out = {"n": n, "import_s": round(import_s, 2)}
    t = time.perf_counter()
    bg = clv.BetaGeoModel(data=data)
    bg.build_model()
    out["bg_build_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    bg.fit(method="map", progressbar=False)
    out["bg_map_fit_s"] = round(time.perf_counter() - t, 2)
    post = bg.fit_result
    out["bg_params"] = {k: round(float(post[k].values.ravel()[0]), 4) for k in ("r", "alpha", "a", "b")}
    repeat = frame[frame["frequency"] > 0]
    gg_data = pd.DataFrame(
        {
            "customer_id": repeat["customer_id"],
            "frequency": repeat["frequency"],
            "monetary_value": repeat["monetary_value"],
        }
    )
    t = time.perf_counter()
    gg = clv.GammaGammaModel(data=gg_data)
    gg.build_model()
    gg.fit(method="map", progressbar=False)
    out["gg_build_and_map_fit_s"] = round(time.perf_counter() - t, 2)
    out["gg_params"] = {k: round(float(gg.fit_result[k].values.ravel()[0]), 4) for k in ("p", "q", "v")}
    if predict:
        t = time.perf_counter()
        p_alive = bg.expected_probability_alive(data)
        out["predict_p_alive_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        expected = bg.expected_purchases(data, future_t=90)
        out["predict_expected_90d_s"] = round(time.perf_counter() - t, 2)
        out["mean_p_alive"] = round(float(p_alive.mean()), 4)
        out["mean_expected_90d"] = round(float(expected.mean()), 4)
    return out


if __name__ == "__main__":
    n = int(sys.argv[1])
    t_all = time.perf_counter()
    result = main(n, predict="--predict" in sys.argv)
    result["process_total_s"] = round(time.perf_counter() - t_all + import_s, 2)
    print(json.dumps(result))
