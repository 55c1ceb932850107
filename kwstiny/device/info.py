"""`kwstiny device info`: what the connected board and its firmware say about themselves."""

from __future__ import annotations

import json

from kwstiny.device import session


def device_info(port: str | None = None, as_json: bool = False) -> str:
    with session.connect(port) as client:
        info = client.info()
        model = client.model_info() if info.get("model") != "none" else None
    if model is not None:
        info["model_info"] = {
            "source": model.source, "bytes": model.size, "operators": model.n_operators,
            "arena_used": model.arena_used,
            "input": {"shape": list(model.input.shape), "type": _dtype(model.input)},
            "output": {"shape": list(model.output.shape), "type": _dtype(model.output)},
        }
    info["port"] = client.port
    if as_json:
        return json.dumps(info, indent=2)
    lines = [
        f"Board: {info['board']} (firmware {info['firmware']}, protocol {info['protocol']}) on {client.port}",
        f"Clock: {info['clock_hz'] / 1e6:g} MHz; profile counter: {info['counter']}",
        f"Accelerator: {info['accelerator']}",
        f"RAM: {info['ram_free']:,} of {info['ram_total']:,} bytes free",
        f"Flash: {info['flash_free']:,} of {info['flash_total']:,} bytes free",
        f"Model slot: {info['model_slot']:,} bytes; tensor arena: {info['arena']:,} bytes",
        f"TFLM: {'yes, ' + info['kernels'] + ' kernels' if info['tflm'] else 'no (built without TFLM_ROOT)'}",
        f"Frontend: {'yes' if info['frontend'] else 'no'}",
        f"Largest frame payload: {info['max_payload']:,} bytes",
    ]
    if model is None:
        lines.append("Model: none")
    else:
        m = info["model_info"]
        lines.append(f"Model: {m['source']}, {m['bytes']:,} bytes, {m['operators']} ops, arena used "
                     f"{m['arena_used']:,} bytes, input {'x'.join(map(str, m['input']['shape']))} "
                     f"{m['input']['type']}, output {'x'.join(map(str, m['output']['shape']))} "
                     f"{m['output']['type']}")
    if info.get("ops"):
        lines.append(f"Ops the firmware can register: {', '.join(info['ops'])}")
    return "\n".join(lines)


def _dtype(tensor) -> str:
    import numpy as np
    return np.dtype(tensor.dtype).name if tensor.dtype is not None else f"type {tensor.type}"
