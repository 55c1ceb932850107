"""`kwstiny new NAME --keyword TEXT`: write a spec file for a new keyword.

The new spec copies frontend, augmentation, model, training, quantization and detection
settings from a base spec (so the model fits the same board budget) and takes its data
from the generic keyword recipe, with confusable words generated from the keyword's
phonemes written into the file as a literal list that the user can read and edit.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import pprint
import re
from pathlib import Path

from kwstiny.errors import KwstinyError
from kwstiny.paths import write_text

SPEC_PARTS = ("frontend", "augment", "streaming", "train", "quantize", "detection", "distill")
STREAMING_BASE = "keyword_spotting_alexa_streaming"
_WIDTH = 92


def _literal(value, indent: int) -> str:
    """Python source for a settings value, continuation lines indented."""
    if isinstance(value, tuple) and value and isinstance(value[0], str) and len(value) > 6:
        # Word lists: several per line, as a person would write them.
        lines, line = [], ""
        for item in value:
            piece = repr(item) + ", "
            if line and len(line) + len(piece) + indent + 4 > _WIDTH:
                lines.append(line.rstrip())
                line = ""
            line += piece
        lines.append(line.rstrip())
        pad = " " * (indent + 4)
        return "(\n" + "".join(pad + text + "\n" for text in lines) + " " * indent + ")"
    if isinstance(value, tuple) and len(value) > 2 and all(isinstance(v, tuple) for v in value):
        pad = " " * (indent + 4)
        return "(\n" + "".join(f"{pad}{_literal(v, indent + 4)},\n" for v in value) \
            + " " * indent + ")"
    text = pprint.pformat(value, width=max(40, _WIDTH - indent), sort_dicts=False)
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError) as error:
        raise KwstinyError(f"cannot write setting value {value!r} into a spec file") from error
    return text.replace("\n", "\n" + " " * indent)


def _dataclass_call(obj, indent: int, skip: tuple[str, ...] = (),
                    every_field: bool = False) -> str:
    """`ClassName(field=value, ...)` for the fields that differ from the defaults (all of
    them with `every_field`)."""
    cls = type(obj)
    default = cls()
    args = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.name in skip or (not every_field and value == getattr(default, f.name)):
            continue
        args.append(f"{' ' * (indent + 4)}{f.name}={_literal(value, indent + 4)},")
    if not args:
        return f"{cls.__name__}()"
    return f"{cls.__name__}(\n" + "\n".join(args) + f"\n{' ' * indent})"


def _variants(variants: dict, imports: set) -> str:
    """The base's variants; a model choice in one becomes `ModelChoice(Builder, {...})`."""
    from kwstiny.spec import ModelChoice

    lines = []
    for variant, overrides in variants.items():
        items = []
        for key, value in overrides.items():
            if isinstance(value, ModelChoice):
                imports.add(f"from {value.builder.__module__} import {value.builder.__name__}")
                text = f"ModelChoice({value.builder.__name__}, {_literal(value.options, 12)})"
            else:
                text = _literal(value, 12)
            items.append(f"        {key!r}: {text},")
        lines.append(f"    {variant!r}: {{\n" + "\n".join(items) + "\n    },")
    return "{\n" + "\n".join(lines) + "\n}"


def render_spec(name: str, keyword: str, base, confusable: tuple[str, ...],
                phonemes: tuple[str, ...], neighbours_only: bool = False) -> str:
    """The text of the new spec file; `neighbours_only` says in it which confusables were
    left out."""
    from kwstiny.data.keyword_recipe import keyword_label

    label = keyword_label(keyword)
    builder = base.model.builder
    options = f", {_literal(base.model.options, 8)}" if base.model.options else ""
    dataset = dataclasses.replace(base.dataset, source="", classes=(label, "_unknown_"))
    dataset_args = _dataclass_call(dataset, 4, skip=("source", "classes"))
    dataset_args = dataset_args[dataset_args.index("(") + 1:].rstrip(")").strip()
    dataset_args = ("\n        " + dataset_args.replace("\n    ", "\n") + "\n    "
                    if dataset_args else "")
    # Detection settings are written out whole: they are what a user tunes first.
    parts = "\n".join(
        f"    {part}={_dataclass_call(getattr(base, part), 4, every_field=part == 'detection')},"
        for part in SPEC_PARTS
        if part == "detection" or getattr(base, part) != type(getattr(base, part))())
    extra, imports = "", {f"from {builder.__module__} import {builder.__name__}"}
    if base.model_input != "features":
        extra += f"    model_input={base.model_input!r},\n"
    if base.variants:
        extra += "    variants=" + _variants(base.variants, imports).replace("\n", "\n    ") + ",\n"
    flag = " --neighbours-only" if neighbours_only else ""
    kinds = ("# distance, without words that contain the keyword, its parts said alone or words\n"
             "# that start like it (real speakers' own keyword can sound like those)."
             if neighbours_only else
             "# distance, words that contain the keyword, and its first and last parts.")
    return f'''"""Detect the keyword "{keyword}": {base.model.name} on the frontend of {base.name}.

Written by `kwstiny new {name} --keyword "{keyword}" --base {base.name}{flag}`.
Frontend, augmentation, model, streaming, training, quantization and detection settings are
{base.name}'s; the data is kwstiny's generic keyword recipe (synthesized offline, split
by voice), whose unknown class holds the confusable words below.
"""

from kwstiny.data.keyword_recipe import keyword_recipe
from kwstiny.frontend.settings import FrontendSettings
{chr(10).join(sorted(imports))}
from kwstiny.spec import (AugmentSpec, DatasetSpec, DetectionSettings, DistillSpec,
                          ModelChoice, ModelSpec, QuantizeSpec, StreamingSpec, TrainSpec)

KEYWORD = {keyword!r}
# Generated from the keyword's phonemes ({" ".join(phonemes)}) by
# kwstiny.data.confusables: the nearest frequent English words by phoneme edit
{kinds} Edit freely.
CONFUSABLE = {_literal(tuple(confusable), 0)}

spec = ModelSpec(
    name={name!r},
    version=1,
    description={f'Keyword spotting classifier to detect: "{keyword}"'!r},
    dataset=DatasetSpec(
        source=keyword_recipe(KEYWORD, confusable=CONFUSABLE),
        classes=({label!r}, '_unknown_'),{dataset_args.rstrip()}
    ),
    model=ModelChoice({builder.__name__}{options}),
{parts}
{extra})
'''


def spec_folder(folder: str | None) -> Path:
    """Where a new spec goes: the folder given, else the first KWSTINY_SPEC_PATH folder,
    else the current folder."""
    if folder:
        return Path(folder)
    search = [p for p in os.environ.get("KWSTINY_SPEC_PATH", "").split(os.pathsep) if p]
    return Path(search[0]) if search else Path.cwd()


def new_spec(name: str, keyword: str, base: str = "keyword_spotting_alexa",
             folder: str | None = None, force: bool = False,
             neighbours_only: bool = False) -> Path:
    """Write NAME.py for `keyword`; returns its path. With `neighbours_only` the
    confusables are only the phoneme neighbours that do not start like the keyword
    (kwstiny.data.confusables.Confusables.apart). The file is loaded once before it is put
    in place, so a spec that does not load is never left behind."""
    from kwstiny.data.confusables import confusables
    from kwstiny.spec import load_spec

    if not re.fullmatch(r"[A-Za-z0-9_.]+", name):
        raise KwstinyError(f"spec name {name!r}: use letters, digits, '_' and '.' (a '-' "
                           f"would read as NAME-VARIANT)")
    if not re.fullmatch(r"[A-Za-z][A-Za-z' ]*[A-Za-z]", keyword.strip()):
        raise KwstinyError(f"keyword {keyword!r}: use words of letters separated by spaces")
    keyword = " ".join(keyword.lower().split())
    path = spec_folder(folder) / f"{name}.py"
    if path.exists() and not force:
        raise KwstinyError(f"{path} exists; pass --force to replace it")
    base_spec = load_spec(base)
    found = confusables(keyword)
    confusable = found.apart(found.all) if neighbours_only else found.all
    text = render_spec(name, keyword, base_spec, confusable, found.phonemes, neighbours_only)
    check_path = path.with_name(f".{name}.check.py")
    write_text(check_path, text)
    try:
        _load_as(check_path, name)
    finally:
        check_path.unlink(missing_ok=True)
    write_text(path, text)
    return path


def _load_as(path: Path, name: str):
    """Load a spec file written under a temporary name, as if it were NAME.py."""
    from kwstiny.pyfiles import run_file
    from kwstiny.spec import ModelSpec

    try:
        module = run_file(path, "spec")
    except Exception as error:  # the rendered file must load; say why it did not
        raise KwstinyError(f"the spec written for {name} does not load: {error}") from error
    spec = getattr(module, "spec", None)
    if not isinstance(spec, ModelSpec) or spec.name != name:
        raise KwstinyError(f"the spec written for {name} does not define spec {name!r}")
    return spec
