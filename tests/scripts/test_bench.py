"""The benchmark: a tiny real run (``--quick``) and the figures it is built from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.bench import Batch, percentile, pooled, print_level
from scripts.faults import leftover_processes
from tests.scripts.runs import run_script

RUN_SECONDS = 120
RATIO = r"(\d+\.\d\d) \(\d+\.\d\d / \d+\.\d\d apps/s\)"


def run_bench(workdir: Path, *args: str) -> tuple[int, str]:
    """``python -m scripts.bench args --workdir workdir``: its exit code and output."""
    return run_script("scripts.bench", workdir, *args, seconds=RUN_SECONDS)


def test_a_quick_run_drives_every_kind_at_two_levels_and_prints_the_ratios(
    tmp_path: Path,
) -> None:
    workdir = tmp_path / "run"
    code, output = run_bench(workdir, "--quick")
    assert code == 0, output
    assert re.search(r"^OK: 16 lifecycles completed, none failed$", output, re.M), output
    for concurrency in (1, 2):
        assert f"== concurrency {concurrency}: 2 application(s) per batch ==" in output
        for kind in ("direct", "http"):
            throughput = rf"^ratio c={concurrency} throughput {kind}/baseline {RATIO}$"
            assert re.search(throughput, output, re.M), output
            cpu = rf"^ratio c={concurrency} worker CPU per application {kind}/baseline \d"
            assert re.search(cpu, output, re.M), output
        for label in ("baseline a", "direct", "baseline b", "http"):
            # label, done, failed: every lifecycle of every batch completed
            assert re.search(rf"^{label} +2 +0 ", output, re.M), output
    assert re.search(r"^baseline +8 +17 +7 +yes +\d+ +\d+$", output, re.M), output
    assert leftover_processes(workdir.resolve()) == []


def test_percentiles_are_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert (percentile(samples, 0.5), percentile(samples, 0.95)) == (50.0, 95.0)
    assert (percentile([2.0, 1.0], 0.5), percentile([2.0, 1.0], 0.95)) == (1.0, 2.0)
    assert percentile([3.0], 0.95) == 3.0


def test_the_two_baselines_of_a_level_are_pooled() -> None:
    first = Batch("baseline", "baseline a", 4, driven=8, completed=8, wall=2.0)
    second = Batch("baseline", "baseline b", 4, driven=8, completed=6, wall=2.0)
    first.cpu, second.cpu = {"baseline worker": 0.8}, {"baseline worker": 1.6}
    other = Batch("direct", "direct", 4, driven=8, completed=8, wall=1.0)

    both = pooled([first, other, second], "baseline")

    assert (both.driven, both.completed, both.wall) == (16, 14, 4.0)
    assert both.throughput == 3.5
    assert both.cpu_per_app("baseline worker") == pytest.approx(0.15)


def test_a_level_prints_its_batches_steps_ratios_and_retries(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def batch(kind: str, label: str, wall: float, worker: float) -> Batch:
        made = Batch(kind, label, 2, driven=4, completed=4, wall=wall, lifecycles=[0.5] * 4)
        made.cpu = {"worker": worker, "baseline worker": worker}
        made.steps.record("submit", 0.1)
        return made

    http = batch("http", "http", 4.0, 1.2)
    http.retried["upload certificate: HTTP 503"] = 2
    http.samples["upload certificate: HTTP 503"] = '{"message": "did not answer in time"}'
    batches = [
        batch("baseline", "baseline a", 2.0, 0.4),
        batch("direct", "direct", 2.0, 1.6),
        batch("baseline", "baseline b", 2.0, 0.4),
        http,
    ]

    print_level(2, batches)

    output = capsys.readouterr().out
    assert "ratio c=2 throughput direct/baseline 1.00 (2.00 / 2.00 apps/s)" in output
    assert "ratio c=2 throughput http/baseline 0.50 (1.00 / 2.00 apps/s)" in output
    assert "ratio c=2 worker CPU per application direct/baseline 4.00 (400 / 100 ms)" in output
    assert "ratio c=2 worker CPU per application http/baseline 3.00 (300 / 100 ms)" in output
    assert re.search(r"^submit +100/100 +100/100 +100/100$", output, re.M), output
    assert (
        'retried [http]: upload certificate: HTTP 503 x2: {"message": "did not answer in time"}'
        in output
    )
