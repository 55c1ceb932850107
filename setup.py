"""Builds the C frontend extension; everything else is declared in setup.cfg."""

from pathlib import Path

from setuptools import Extension, setup

C_DIR = Path("kwstiny") / "frontend" / "c"
C_SOURCES = sorted(str(p) for p in C_DIR.glob("*.c"))

frontend = Extension(
    "kwstiny.frontend._cfrontend",
    sources=["kwstiny/frontend/_cfrontend.c", *C_SOURCES],
    include_dirs=[str(C_DIR)],
    # Tables are built in float exactly like TensorFlow's microfrontend; keep the
    # compiler from fusing multiply-adds anywhere.
    extra_compile_args=["-O3", "-ffp-contract=off", "-fno-strict-aliasing"],
)

setup(ext_modules=[frontend])
