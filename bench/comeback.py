"""The comeback estimate on a simulated season of 5,000 alumni (cms/comeback/simulation.py).

Creates the cohort through the ORM and the analytics domain (alumni, survey answers, monthly
behaviour, outcomes with a base rate of 7 %), fits the model as `manage.py comeback_fit` does,
and prints the held-out figures against the baselines measured in the same run: the true
model's Brier (the best possible; budget: fitted within 0.01), the base rate's Brier and the
prior scorecard's; ECE (budget ≤ 0.03), AUC and the time each step took.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust); its database
`alumni_comeback_bench` is dropped and made afresh."""

import os
import subprocess
import sys
import time

import numpy as np

from bench.chat import PG, _free_port, _server_env

DATABASE = "alumni_comeback_bench"
ALUMNI = int(os.environ.get("COMEBACK_BENCH_ALUMNI", "5000"))
BASE_RATE = float(os.environ.get("COMEBACK_BENCH_BASE_RATE", "0.07"))
SEED = int(os.environ.get("COMEBACK_BENCH_SEED", "2026"))


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')


def _run() -> None:
    from cms.comeback.fitting import metrics_of, predict, training_set
    from cms.comeback.scoring import PRIOR_COEFFICIENTS
    from cms.comeback.services import comeback_fit
    from cms.comeback.simulation import cohort_simulate, season_of_year

    season = season_of_year(2026)
    started = time.perf_counter()
    cohort = cohort_simulate(season=season, n=ALUMNI, seed=SEED, base_rate=BASE_RATE)
    simulated = time.perf_counter() - started
    started = time.perf_counter()
    version = comeback_fit(season_year=season.year)
    fitted = time.perf_counter() - started
    metrics = version.metrics
    true_brier = cohort.true_brier()
    data = training_set(season=season)
    prior = metrics_of(predict(PRIOR_COEFFICIENTS, data.x, data.codes), data.y)
    scored = cohort.scored()
    truth = np.array([p.true_probability for p in scored])
    outcome = np.array([p.applied for p in scored], dtype=float)
    true_metrics = metrics_of(truth, outcome)
    gap = metrics["brier"] - true_brier
    print(
        f"{ALUMNI:,} alumni simulated in {simulated:.1f} s; {metrics['n']:,} eligible and "
        f"consenting, {metrics['positives']} applied: base rate {metrics['base_rate']:.3f}",
        flush=True,
    )
    print(f"fit (5 held-out folds, calibration, diagram) in {fitted:.1f} s", flush=True)
    print(
        f"  Brier fitted {metrics['brier']:.4f} vs true model {true_brier:.4f}: "
        f"gap {gap:+.4f} (budget ≤ 0.01) — ratio {metrics['brier'] / true_brier:.3f}",
        flush=True,
    )
    print(
        f"  baselines: base rate {metrics['brier_reference']:.4f}, "
        f"prior scorecard {prior['brier']:.4f} (ECE {prior['ece']:.4f}, AUC {prior['auc']:.3f})",
        flush=True,
    )
    print(
        f"  Brier skill {metrics['brier_skill']:.3f}; ECE {metrics['ece']:.4f} (budget ≤ 0.03, "
        f"true model {true_metrics['ece']:.4f}); AUC {metrics['auc']:.3f} "
        f"(true model {true_metrics['auc']:.3f})",
        flush=True,
    )
    verdict = gap <= 0.01 and metrics["ece"] <= 0.03 and 0.05 <= metrics["base_rate"] <= 0.10
    print(f"  within budget: {'yes' if verdict else 'NO'}", flush=True)


def main() -> None:
    env = {**_server_env(_free_port()), "DATABASE_URL": f"{PG}/{DATABASE}", "REDIS_URL": ""}
    os.environ.update(env)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; PostgreSQL {DATABASE}")
    _fresh_database()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--skip-checks", "-v", "0"],
        check=True,
        env=env,
    )
    import django

    django.setup()
    _run()


if __name__ == "__main__":
    main()
