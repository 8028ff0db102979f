"""The stage profile: nesting, order, peak memory per stage, and a disabled profile that records nothing."""

from __future__ import annotations

from pathlib import Path

from crmflow.base.profile import StageProfile


def test_stages_are_nested_in_start_order_and_each_gets_its_own_peak() -> None:
    seen = []
    profile = StageProfile(on_stage=seen.append)
    with profile.stage("load"):
        block = bytearray(200 * 1024 * 1024)  # 200 MB resident during "load" only
        block[::4096] = b"x" * len(block[::4096])
        del block
    with profile.stage("audit"), profile.stage("findings"):
        pass
    names = [s.name for s in profile.stages]
    assert names == ["load", "audit", "audit/findings"]
    assert [s.name for s in seen] == ["load", "audit/findings", "audit"]  # reported as each ends
    load, audit, findings = profile.stages
    assert (load.depth, audit.depth, findings.depth) == (0, 0, 1)
    assert load.peak_rss_mb >= 200
    if Path("/proc/self/clear_refs").exists():  # Linux: the peak is reset between stages
        assert audit.peak_rss_mb < load.peak_rss_mb
    assert all(s.seconds >= 0 for s in profile.stages)
    assert len(profile.lines()) == 3 and profile.lines()[2].startswith("  audit/findings")


def test_a_disabled_profile_records_nothing() -> None:
    profile = StageProfile.disabled()
    with profile.stage("mining"):
        pass
    assert profile.stages == () and profile.lines() == []


def test_the_audit_never_imports_pandas(tmp_path: Path) -> None:
    """pandas' import alone costs ~0.25 s, a tenth of a 1 M-event audit that needs it nowhere.

    pyarrow imports it behind ``to_numpy``, ``np.asarray`` and ``fill_null``; the discovery once did so.
    """
    import subprocess
    import sys

    from crmflow.demo.scaled import write_scaled_event_csv

    csv = tmp_path / "log.csv"
    write_scaled_event_csv(csv, n_events=20_000)
    code = (
        "import sys, crmflow\n"
        f"r = crmflow.audit(crmflow.read_log({str(csv)!r}))\n"
        "assert r.findings, 'the audit found nothing'\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout + out.stderr
