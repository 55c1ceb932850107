"""Progress where no bar can be drawn (a log file, CI): plain lines as the work goes."""

import io

from rich.console import Console

import kwstiny.progress as progress


def run_task(monkeypatch, console, steps=100, every_s=3600.0):
    monkeypatch.setattr(progress, "console", console)
    monkeypatch.setattr(progress, "LOG_EVERY_S", every_s)
    with progress.progress_bar() as bar:
        task = bar.add_task("rendering clips", total=steps)
        for _ in range(steps):
            bar.advance(task)
    return console.file.getvalue()


def test_a_log_gets_a_line_every_tenth_and_at_the_end(monkeypatch):
    out = run_task(monkeypatch, Console(file=io.StringIO(), force_terminal=False))
    lines = [line for line in out.splitlines() if line.startswith("rendering clips: ")]
    assert [line.split()[2] for line in lines] == [f"{n}/100" for n in range(10, 101, 10)]


def test_a_slow_task_gets_a_line_per_interval(monkeypatch):
    out = run_task(monkeypatch, Console(file=io.StringIO(), force_terminal=False), steps=5,
                   every_s=0.0)
    lines = [line for line in out.splitlines() if line.startswith("rendering clips: ")]
    assert [line.split()[2] for line in lines] == ["1/5", "2/5", "3/5", "4/5", "5/5"]


def test_a_terminal_gets_the_bar_only(monkeypatch):
    out = run_task(monkeypatch, Console(file=io.StringIO(), force_terminal=True))
    assert "rendering clips: " not in out and "100/100" in out
