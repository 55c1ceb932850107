"""The README's Results table agrees with its sources: each row names the committed JSON
(or the command) its figures come from, and the figures it prints are the ones in that
JSON, rounded as printed. A new row must be added here too, with its checks, or listed
as not yet sourced with the reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SELECTION = "benchmarks/results/selection/keyword_spotting_alexa/subset_training.json"
MODEL = ROOT / "tests" / "data" / "alexa_constant_int8.tflite"


def rows() -> dict[str, tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    table = text.split("\n## Results", 1)[1].split("\n## ", 1)[0]
    found = {}
    for line in table.splitlines():
        if line.startswith("| ") and not line.startswith("| what |"):
            what, result, source = (cell.strip() for cell in line.strip("|").split(" | "))
            found[what] = (result, source)
    return found


def load(path: str) -> dict:
    return json.loads((ROOT / path).read_text())


def pct(x: float, digits: int = 2) -> str:
    return f"{100 * x:.{digits}f} %"


def n(x: int) -> str:
    return f"{x:,}"


def _kwstiny_json(*args) -> dict:
    out = subprocess.run([sys.executable, "-m", "kwstiny.cli", *args, "--json"], check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out)


def alexa_full():
    full = load(SELECTION)["full"]
    return [f"{n(sum(full['train_clips'].values()))} train clips", f"{full['epochs']} epochs",
            f"float {pct(full['float_balanced_accuracy'])}",
            f"int8 {pct(full['tflite_balanced_accuracy'])}",
            f"alexa recall {pct(full['tflite_per_class_accuracy']['alexa'], 1)}",
            f"unknown {pct(full['tflite_per_class_accuracy']['_unknown_'], 1)}"]


def wall_time():
    synthesis = load("benchmarks/dataset_synthesis.json")["datasets"]["full"]["seconds"]
    fit = load(SELECTION)["full"]["train_seconds"]
    return [f"data synthesis {synthesis / 60:.1f} min", f"fit {fit / 60:.1f} min ({n(round(fit))} s"]


def alexa_model():
    summary = _kwstiny_json("summarize", str(MODEL))
    memory = _kwstiny_json("profile", str(MODEL))["memory"]
    qemu = load("benchmarks/results/firmware_qemu.json")
    shape = summary["inputs"][0]["shape"][1:]
    return ["input " + "×".join(map(str, shape)), f"{n(summary['totals']['macs'])} MACs",
            f"{n(summary['totals']['ops'])} ops", f"{qemu['model_bytes'] / 1000:.1f} kB",
            f"{n(memory['arena_bytes'])} B",
            f"{n(qemu['kernels']['reference']['ram']['arena_used'])} B"]


def streams():
    s = load("benchmarks/results/stream_eval.json")
    at = s["at_threshold"]
    by_threshold = {row["threshold"]: row for row in s["curve"]}
    high = by_threshold[244]
    return [f"{at['keywords']} keywords", f"{s['data']['hours']:.2f} h",
            f"threshold {at['threshold']}", f"FRR {pct(at['frr'], 1)} ({at['missed']}/{at['keywords']})",
            f"{at['false_accepts_per_hour']:.1f} FA/h ({at['negative_false_accepts_per_hour']:.1f} on",
            f"threshold 244: FRR {pct(high['frr'], 1)}, {high['false_accepts_per_hour']:.1f} FA/h"]


def frontend():
    exact = load("benchmarks/results/frontend_exactness.json")
    speed = load("benchmarks/results/frontend_speed.json")
    assert exact["bit_exact"]
    return [f"on {exact['clips_per_setting']} clips × {len(exact['settings'])} settings",
            f"{speed['kwstiny_batch_one_core']['with_dc_notch']['realtime_factor_cpu']:,.0f}× real time",
            f"TF's op {speed['tensorflow_op_one_thread']['realtime_factor_cpu_best']:,.0f}×",
            f"text {n(speed['cortex_m33']['text_bytes_total'])} B",
            f"state {n(speed['cortex_m33']['state_bytes_alexa_on_qemu_mps2_an505'])} B"]


def detect_speed():
    fast = load("benchmarks/results/detect_speed.json")
    o2 = load("benchmarks/results/detect_speed_host_tflm_default_flags.json")["detect"]["host_firmware"]
    lib = load("benchmarks/results/detect_speed_host_library_depthwise.json")["detect"]["host_firmware"]
    d = fast["detect"]
    host = d["host_firmware"]
    assert host["same_detections_as_python_tflm"]
    return [f"{fast['audio']['seconds']:.0f} s of demo streams",
            f"TFLM Python runtime {d['tflm']['realtime_factor_wall']:.1f}× real time",
            f"{fast['bare_invoke_ms']['tflm']:.2f} ms per invoke",
            f"at most {fast['tflm_ceiling_realtime_factor']:.1f}×",
            f"LiteRT {d['litert']['realtime_factor_wall']:.0f}×", f"same {host['detections']} detections",
            f"**{host['realtime_factor_wall']:.0f}×**", f"({host['board_invoke_ms']:.2f} ms per invoke)",
            f"{o2['realtime_factor_wall']:.0f}× with TFLM's default `-O2` ({o2['board_invoke_ms']:.2f} ms)",
            f"{lib['realtime_factor_wall']:.0f}× ({lib['board_invoke_ms']:.2f} ms)"]


def firmware_qemu():
    q = load("benchmarks/results/firmware_qemu.json")
    ref, cmsis = q["kernels"]["reference"], q["kernels"]["cmsis_nn"]
    size = lambda k: " / ".join(n(k["firmware_lean"][s]) for s in ("text", "data", "bss"))
    per = lambda k: k["emulated_instructions_per_inference"]["mean"] / 1e6
    return [f"{ref['byte_identical_outputs']}/{ref['inputs']} outputs byte-identical",
            f"{per(ref):.1f} M emulated instructions", f"{per(cmsis):.1f} M with CMSIS-NN",
            f"({q['cmsis_nn_speedup']:.2f}×)", f"{size(ref)} B (reference)", f"{size(cmsis)} B (CMSIS-NN)",
            f"its {len(ref['firmware_lean']['ops'])} ops", f"{ref['firmware_lean']['arena'] // 1024} KB arena",
            f"{n(ref['ram']['arena_used'])} B"]


def selection():
    s = load(SELECTION)
    out = []
    for key in ("full", "best", "random"):
        r = s[key]
        out.append(f"{100 * r['float_balanced_accuracy']:.2f} / {pct(r['tflite_balanced_accuracy'])}, "
                   f"{round(100 * r['stream']['frr'], 2):g} %, "
                   f"{r['stream']['false_accepts_per_hour']:.1f} FA/h")
    out.append(f"({s['best']['strategy']})".replace("(", "(`").replace(")", "`)"))
    return out


def trainable_mel():
    import csv
    with open(RESULTS / "trainable_mel_alexa_settings" / "results.csv") as handle:
        table = {row["model.options.setting"]: row for row in csv.DictReader(handle)}
    return [f"{s} {100 * float(table[s]['test_balanced_accuracy']):.1f} %" for s in "ABCD"]


def model_families():
    p = load("benchmarks/model_families.json")["presets"]
    kwt = ", ".join(f"KWT-{i} {n(p[f'KWT{i}']['parameters'])}" for i in (1, 2, 3))
    bc = " / ".join(n(p[f"BCResNet{i}"]["trainable_parameters"]) for i in (1, 3, 8))
    ds_params = " / ".join(n(p[f"DSCNN{s}"]["parameters"]) for s in ("Small", "Medium", "Large"))
    ds_memory = " / ".join(n(p[f"DSCNN{s}"]["ours"]) for s in ("Small", "Medium", "Large"))
    for s in ("Small", "Medium", "Large"):
        assert p[f"DSCNN{s}"]["compared"].startswith("memory bytes")
    return [kwt, f"BC-ResNet-1/3/8 {bc}", f"DS-CNN S/M/L {ds_params}", f"memory {ds_memory} B"]


def mvp_profile():
    d = load("benchmarks/results/profile_validation.json")
    alexa, arena = d["alexa"], d["arena"]["with_fc_bias_as_trained_alexa"]
    return [f"{1000 * alexa['time_s']:.2f} ms", f"{alexa['cpu_cycles'] / 1e3:.1f} k CPU cycles",
            f"{alexa['acc_cycles'] / 1e6:.2f} M accelerator cycles",
            f"{n(arena['mvp_computed'])} B computed"]


def real_voice():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from real_voice_ablation import row_key

    rows = {row_key(r): r for r in load("benchmarks/results/real_voice_ablation.json")["rows"]}

    def rate(x):
        return (f"{x['count']}/{x['of']} = {100 * x['rate']:.1f} % "
                f"[{100 * x['low']:.1f}, {100 * x['high']:.1f}]")

    best_jarvis = rows[("natural voices, full scale (30 epochs)", "jarvis", "synthetic", (), "",
                        "full", ())]
    ten = best_jarvis["detected"]["snr_10db"]
    free = best_jarvis["keyword_free_false_accepts_per_hour"]
    demo = rows[("natural voices", "jarvis", "real speech", ("dialog_cs",), "", "full", ())]
    best_computer = rows[("every ingredient, neighbours only, full scale (30 epochs)", "computer",
                          "synthetic", (), "", "full", ())]
    return [rate(best_jarvis["detected"]["clean"]), f"10 dB {ten['count']}/{ten['of']}",
            f"{free['count']} false accepts in {best_jarvis['keyword_free_hours']:.2f} h",
            rate(demo["detected"]["clean"]),
            rate(best_computer["detected"]["clean"]),
            f"10 dB {best_computer['detected']['snr_10db']['count']}/"
            f"{best_computer['detected']['snr_10db']['of']}",
            rate(rows[("baseline", "computer", "synthetic", (), "", "full",
                       ())]["detected"]["clean"])]


def keyword_synthesis():
    made = load("benchmarks/dataset_synthesis.json")["recipes"]["kws_jarvis_natural"]["full"]
    assert set(made["clips_per_engine"]) == {"espeak-ng", "flite", "pico", "festival",
                                             "gnuspeech"}
    return [f"{made['seconds'] / 60:.1f} min ({made['seconds']:,.0f} s)",
            f"{sum(made['clips'].values()):,} clips"]


def real_false_fires():
    rows = load("benchmarks/results/real_false_fires.json")["rows"]
    out = []
    for label in ("alexa demo (window, weight averaging)", "alexa demo (streaming)"):
        folders = {Path(f).name: r for f, r in rows[label]["folders"].items()}
        fired = sum(folders[w]["false_fire_rate"]["count"] for w in ("computer", "jarvis"))
        out.append(f"{fired}/{sum(folders[w]['recordings'] for w in ('computer', 'jarvis'))}")
        dialog = folders["dialog_nl"]
        out.append(f"{dialog['false_accepts_per_hour']['count']} in {dialog['hours']:.2f} h")
    return out


def alexa_pipeline():
    d = load("benchmarks/results/alexa_pipeline_check.json")
    b, fires = d["budget"], d["real_false_fires"]
    assert b["met"] and fires["met"]
    shape = "×".join(str(n) for n in b["input_shape"][1:])
    free = fires["keyword_free_stream"]["false_accepts_per_hour"]
    out = [f"input {shape}", f"{b['macs']:,} MACs", f"{b['file_bytes']:,} B",
           f"arena {b['arena_bytes']:,} B",
           f"{fires['real_dev_fired']}/{fires['real_dev_recordings']} `../shared/real_dev`",
           f"{free['count']} false accepts in {free['hours']:.2f} h"]
    shipped = d["streams"]["reference (shipped model, shipped streams)"]
    for name in ("shipped streams", "own streams"):
        s, m = d["streams"][name], d["streams"][name]["at_matched_false_accepts"]
        v = s["at_validation_threshold"]
        out += [f"FRR {s['missed']}/{s['keywords']}", f"{s['false_accepts_per_hour']:.2f} FA/h",
                f"{m['missed']}/{s['keywords']}",
                f"FRR {v['missed']}/{s['keywords']}, {v['false_accepts_per_hour']:.2f} FA/h"]
    out.append(f"({d['validation_threshold']['threshold']})")
    out += [f"shipped model {shipped['missed']}/{shipped['keywords']}, "
            f"{shipped['false_accepts_per_hour']:.2f} FA/h"]
    return out


def streaming_vs_window():
    d = load("benchmarks/results/streaming_vs_window.json")
    out = []
    for kind in ("streaming", "window"):
        budget = d[kind]["at_budget"]
        out += [f"{budget[b]['frr']['count']}/{budget[b]['frr']['of']}" for b in ("0", "1", "4")]
        latency = budget["1"]["latency_ms"]
        out += [f"{latency['median']:.0f}", f"{latency['p90']:.0f}"]
        out.append(pct(d[kind]["test_balanced_accuracy"]["tflite"]))
    return out


CHECKS = {
    "streaming alexa (DilatedTCN, 8 frames per 80 ms invoke) vs the window model (TENet12), both "
    "trained at demo scale on the same alexa data (20 epochs), on the full-scale alexa streams "
    "(80 keywords, 1.24 h), LiteRT": (["benchmarks/results/streaming_vs_window.json"],
                                      streaming_vs_window),
    "alexa on the new data pipeline (`kws_alexa_all`: every ingredient, five engines; full scale, "
    "60 epochs, one seed) against the shipped alexa model":
        (["benchmarks/results/alexa_pipeline_check.json"], alexa_pipeline),
    "`profile --accelerator MVP` estimate": (["benchmarks/results/profile_validation.json"],
                                             mvp_profile),
    "real recordings (`../shared/real_dev`, evaluation only), models trained on synthetic speech "
    "only, threshold chosen on validation data (0.5 FA/h)":
        (["benchmarks/results/real_voice_ablation.json"], real_voice),
    "alexa at demo scale on real recordings without the keyword, at its threshold 216: "
    "every `../shared/real_dev` recording and the held-out Dutch dialogue":
        (["benchmarks/results/real_false_fires.json"], real_false_fires),
    "alexa, full scale (10,381 train clips, 60 epochs): test balanced accuracy, voice-held-out":
        ([SELECTION], alexa_full),
    "alexa, full scale: wall time": (["benchmarks/dataset_synthesis.json", SELECTION], wall_time),
    "one keyword, full scale, every engine: synthesis wall time":
        (["benchmarks/dataset_synthesis.json"], keyword_synthesis),
    "alexa int8 `.tflite`": (["benchmarks/results/firmware_qemu.json"], alexa_model),
    "alexa streams (80 keywords from held-out voices, 1.24 h incl. 1 h keyword-free), threshold 216":
        (["benchmarks/results/stream_eval.json"], streams),
    "frontend (C)": (["benchmarks/results/frontend_exactness.json",
                      "benchmarks/results/frontend_speed.json"], frontend),
    "`kwstiny detect`, one core, trained alexa model, 822 s of demo streams":
        (["benchmarks/results/detect_speed.json", "detect_speed_host_tflm_default_flags.json",
          "detect_speed_host_library_depthwise.json"], detect_speed),
    "firmware under QEMU (Cortex-M33), trained alexa model":
        (["benchmarks/results/firmware_qemu.json"], firmware_qemu),
    "data selection at 25 % of the alexa train clips (2,595 of 10,381), test balanced accuracy "
    "float / int8, FRR and FA/h at threshold 216": ([SELECTION], selection),
    "trainable STFT/mel settings A–D (BC-ResNet-1, alexa demo data, 12 epochs, float), test "
    "balanced accuracy": (["benchmarks/results/trainable_mel_alexa_settings/"], trainable_mel),
    "model families: parameters (DS-CNN also memory bytes, as Hello Edge reports them)":
        (["benchmarks/model_families.json"], model_families),
}
# Rows whose figures are not (yet) in committed JSON, and why.
UNSOURCED: dict[str, str] = {}


def test_every_row_is_checked_or_says_why_not():
    assert set(rows()) == set(CHECKS) | set(UNSOURCED)


@pytest.mark.parametrize("what", list(CHECKS))
def test_row_figures_are_those_of_its_json(what):
    result, source = rows()[what]
    cited, figures = CHECKS[what]
    for path in cited:
        assert path in source, f"{what!r} does not cite {path}"
    row = f"{what} | {result}"       # some figures are in the row's name
    for figure in figures():
        assert figure in row, f"{figure!r} is not in {row!r}"


def test_the_readme_holds_the_real_voice_ablation_table_of_its_json(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from real_voice_ablation import markdown_table

    table = markdown_table(load("benchmarks/results/real_voice_ablation.json"))
    assert table in (ROOT / "README.md").read_text()
