"""Loads the SWIG-generated extension (the flat C ABI as it is) for the rest of the package."""

try:
    from . import _rtm_native as n
except ImportError as e:  # pragma: no cover - a broken build or install
    raise ImportError(
        "rtm: the native extension _rtm_native (or librtm.so.1 beside it) cannot be loaded: "
        f"{e}. Build the package with CMake (see docs/bindings-python.md)."
    ) from e

__all__ = ["n"]
