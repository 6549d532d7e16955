"""Loading scenarios: TOML files, ``extends`` chains, ``--set`` overrides and validation.

A scenario is named by a path or by the name of a shipped scenario (``scenarios/*.toml``). Loading
goes through stages, and every problem of a stage is reported together, one line each, as an
:class:`~sim.errors.InputError` (never a traceback):

1. read each file of the ``extends`` chain (empty, not UTF-8, TOML syntax, missing parent, cycle);
2. deep-merge the chain, parent first, then apply the ``--set KEY=VALUE`` overrides in order;
3. validate against the schema (:class:`~sim.scenario.schema.Scenario`);
4. run the cross-reference and "not implemented yet" checks (:mod:`sim.scenario.checks`).

Each problem line names where the offending value was written: the file of the chain that set it
(a parent's value is reported against the parent), or ``--set`` with the override.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
import re
import tomllib
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import tomli_w
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sim.errors import InputError
from sim.scenario.checks import check_scenario
from sim.scenario.schema import SEGMENTS, Market, Scenario

SHIPPED_DIR: Path = Path(__file__).resolve().parents[2] / "scenarios"
"""The folder of the shipped scenarios (unless ``CHANNELSIM_SCENARIOS_DIR`` says otherwise)."""

SHIPPED_DIR_ENV = "CHANNELSIM_SCENARIOS_DIR"
"""Environment variable that replaces :data:`SHIPPED_DIR` when set and not empty."""

SET_FILE = "--set"
"""The file part of problem lines about ``--set`` overrides."""

Key = tuple[str | int, ...]
"""A key path: table keys, and list indices as ints."""

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_MAX_VALUE_CHARS = 60
_FIXED_KEY_TABLES: dict[Key, tuple[str, ...]] = {("market", "segments"): SEGMENTS}
"""Tables whose keys are a fixed set: each entry is merged over its default, unknown ones are
unknown keys. A user can then change one field of one segment without restating the others."""


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario and where it came from.

    Attributes:
        scenario: The validated scenario, every default filled in.
        name: The scenario's name: its file's stem (``baseline`` for ``scenarios/baseline.toml``).
        path: The absolute path of the scenario file.
    """

    scenario: Scenario
    name: str
    path: Path


@dataclass(frozen=True)
class _Origin:
    """Where a value was written: a file (as shown to the user) or one ``--set`` override."""

    file: str
    set_item: str | None = None
    set_path: Key = ()


# ---------------------------------------------------------------------------------------------
# finding scenarios
# ---------------------------------------------------------------------------------------------


def shipped_dir() -> Path:
    """Return the folder of the shipped scenarios.

    ``CHANNELSIM_SCENARIOS_DIR`` (read at each call) replaces the default :data:`SHIPPED_DIR`.

    Returns:
        The folder; it may not exist.
    """
    env = os.environ.get(SHIPPED_DIR_ENV, "").strip()
    return Path(env).expanduser() if env else SHIPPED_DIR


def _shipped_paths() -> dict[str, Path]:
    folder = shipped_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.toml")) if p.is_file()}


def _shipped_lookup(name: str) -> Path | None:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    stem = name.removesuffix(".toml")
    return _shipped_paths().get(stem)


def find_source(source: str, relative_to: Path | None) -> Path | None:
    """Find the file a scenario source names, None when there is none.

    Args:
        source: A path (relative to ``relative_to`` when given) or a shipped scenario's name.
        relative_to: The folder of the file that names ``source`` (``extends``), or None.

    Returns:
        The existing file, a sibling ``<source>.toml``, the shipped scenario, or None.
    """
    if not source.strip():
        return None
    candidate = Path(source).expanduser()
    if relative_to is not None:
        candidate = relative_to / candidate
    if candidate.exists():
        return candidate
    if relative_to is not None and not source.endswith(".toml"):
        # ``extends = "baseline"`` next to a sibling baseline.toml means that sibling: a copied
        # folder of scenarios keeps extending its own copies.
        sibling = Path(f"{candidate}.toml")
        if sibling.is_file():
            return sibling
    return _shipped_lookup(source)


def shipped_names_text() -> str:
    """The names of the shipped scenarios, comma-separated (for error messages)."""
    names = sorted(_shipped_paths())
    if not names:
        return f"(no shipped scenarios in {shipped_dir()})"
    return ", ".join(names)


def resolve_source(source: str, relative_to: Path | None = None) -> Path:
    """Find the file a scenario source names.

    Without ``relative_to`` (a command's argument), ``source`` is a path, absolute or relative to
    the working directory. With ``relative_to`` (an ``extends``), it is a path relative to that
    folder, or the same with ``.toml`` appended. Failing that, it is a shipped scenario's name,
    with or without ``.toml``.

    Args:
        source: A path or a shipped scenario's name.
        relative_to: The folder of the file that extends ``source``, if any.

    Returns:
        The path of the scenario file (it exists; it may still be a folder or unreadable).

    Raises:
        InputError: ``source`` names no file and no shipped scenario.
    """
    found = find_source(source, relative_to)
    if found is None:
        shown = source if source.strip() else repr(source)
        where = "" if relative_to is None else f" relative to {display_path(relative_to)}"
        raise InputError(
            f"{shown}: no such file{where} or shipped scenario; expected a path to a scenario "
            f"file or a shipped scenario: {shipped_names_text()}"
        )
    return found


def display_path(path: Path) -> str:
    """Show a path relative to the working directory when it is inside it, else absolute."""
    try:
        resolved = path.resolve()
        return str(resolved.relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path.absolute())


# ---------------------------------------------------------------------------------------------
# reading files
# ---------------------------------------------------------------------------------------------


def read_toml(path: Path) -> dict[str, Any]:
    """Read one TOML file, turning every way it can be unusable into an ``InputError``.

    Args:
        path: The file.

    Returns:
        The parsed top-level table (not empty).

    Raises:
        InputError: The file is missing, a folder, unreadable, empty, not UTF-8 or not TOML.
    """
    return read_toml_checked(Path(path), display_path(Path(path)))


def read_toml_checked(path: Path, shown: str) -> dict[str, Any]:
    """Read a TOML file, every problem as an :class:`InputError` with one line.

    Args:
        path: The file.
        shown: How to name the file in messages.

    Returns:
        The parsed document.

    Raises:
        InputError: The path is a folder, cannot be read, or is not valid TOML.
    """
    if path.is_dir():
        raise InputError(f"{shown}: is a folder; expected a TOML scenario file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{shown}: no such file; expected a TOML scenario file") from None
    except PermissionError:
        raise InputError(f"{shown}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    empty = f"{shown}: file is empty; expected a TOML scenario"
    if not raw.strip():
        raise InputError(empty)
    try:
        text = raw.decode("utf-8-sig")  # tolerate a byte-order mark
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{shown}: line {line}: file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
            "expected a TOML scenario saved as UTF-8"
        ) from None
    if not text.strip():
        raise InputError(empty)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{shown}: {_syntax_error(str(exc), text)}") from None
    if not data:
        raise InputError(f"{shown}: file has only comments; expected a TOML scenario")
    return data


def _syntax_error(message: str, text: str) -> str:
    """Reformat a ``TOMLDecodeError`` message as ``line X, column Y: TOML syntax error: ...``."""
    match = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message, re.DOTALL)
    if match:
        return f"line {match[2]}, column {match[3]}: TOML syntax error: {match[1]}"
    match = re.fullmatch(r"(.*) \(at end of document\)", message, re.DOTALL)
    if match:
        line = text.count("\n") + 1
        column = len(text) - text.rfind("\n")
        return f"line {line}, column {column} (end of file): TOML syntax error: {match[1]}"
    return f"TOML syntax error: {message}"


@dataclass
class _Raw:
    """A merged, not yet validated scenario: its data, and where each key was written."""

    data: dict[str, Any]
    origins: dict[Key, _Origin]
    top: _Origin
    path: Path

    def origin_of(self, path: Key) -> _Origin:
        for n in range(len(path), 0, -1):
            origin = self.origins.get(path[:n])
            if origin is not None:
                return origin
        return self.top


def _missing_prefixes(data: dict[str, Any], path: Key) -> list[Key]:
    """The prefixes of ``path`` (shortest first) that do not exist in ``data`` yet."""
    node: Any = data
    for n, part in enumerate(path):
        if not isinstance(node, dict) or part not in node:
            return [path[: m + 1] for m in range(n, len(path))]
        node = node[part]
    return []


def _load_layers(
    path: Path, shown: str, chain: list[tuple[Path, str]]
) -> list[tuple[dict[str, Any], _Origin]]:
    """Read a file and, recursively, what it extends; return the layers parent first."""
    data = read_toml_checked(path, shown)
    origin = _Origin(shown)
    if "extends" not in data:
        return [(data, origin)]
    target = data.pop("extends")
    if not isinstance(target, str) or not target.strip():
        raise InputError(
            _line(
                origin,
                ("extends",),
                f"{format_value(target)} is not accepted; expected a path relative to this file "
                f"or a shipped scenario: {shipped_names_text()}",
            )
        )
    parent = find_source(target, relative_to=path.parent)
    if parent is None:
        raise InputError(
            _line(
                origin,
                ("extends",),
                f"{format_value(target)} is not accepted: it names no file in the folder of "
                f"{shown} and no shipped scenario; expected a path relative to this file or a "
                f"shipped scenario: {shipped_names_text()}",
            )
        )
    here = (path.resolve(), shown)
    seen = [*chain, here]
    parent_real = parent.resolve()
    if any(real == parent_real for real, _ in seen):
        start = next(i for i, (real, _) in enumerate(seen) if real == parent_real)
        cycle = " → ".join([name for _, name in seen[start:]] + [seen[start][1]])
        raise InputError(
            _line(
                origin,
                ("extends",),
                f"{format_value(target)} is not accepted: extends makes a cycle ({cycle}); "
                "expected a scenario that does not extend this one",
            )
        )
    return [*_load_layers(parent, display_path(parent), seen), (data, origin)]


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into a copy of ``base``: tables key by key, anything else replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _key_paths(data: Any, prefix: Key) -> Iterator[Key]:
    """Every key path inside nested tables (tables and values, not list items)."""
    if isinstance(data, dict):
        for key, value in data.items():
            path = (*prefix, key)
            yield path
            yield from _key_paths(value, path)


def _resolve_raw(path: Path, shown: str) -> _Raw:
    layers = _load_layers(path, shown, [])
    data: dict[str, Any] = {}
    origins: dict[Key, _Origin] = {}
    for layer, origin in layers:
        data = _deep_merge(data, layer)
        for key_path in _key_paths(layer, ()):
            origins[key_path] = origin
    return _Raw(data=data, origins=origins, top=layers[-1][1], path=path)


# ---------------------------------------------------------------------------------------------
# --set overrides
# ---------------------------------------------------------------------------------------------


def parse_set_key(key: str) -> Key | None:
    """Parse a dotted TOML key (bare or quoted parts) into a key path, None if invalid."""
    try:
        doc: Any = tomllib.loads(f"{key} = 0")
    except tomllib.TOMLDecodeError:
        return None
    path: list[str] = []
    while isinstance(doc, dict) and len(doc) == 1:
        name = next(iter(doc))
        path.append(name)
        doc = doc[name]
    if type(doc) is not int or doc != 0:
        return None
    return tuple(path)


def parse_set_value(text: str) -> Any:
    """Parse VALUE as a TOML value, else take it as a plain string."""
    try:
        doc = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        return text
    return doc["v"] if list(doc) == ["v"] else text


def _apply_overrides(raw: _Raw, overrides: Sequence[str]) -> None:
    problems: list[str] = []
    example = "expected KEY=VALUE, e.g. market.customers=5000"
    for item in overrides:
        if "=" not in item:
            problems.append(f"{SET_FILE}: {item}: no '='; {example}")
            continue
        key_text, _, value_text = item.partition("=")
        if not key_text.strip():
            problems.append(f"{SET_FILE}: {item}: empty key; {example}")
            continue
        path = parse_set_key(key_text.strip())
        if path is None:
            problems.append(
                f"{SET_FILE}: {item}: {key_text.strip()!r} is not a valid key; expected a dotted "
                "key path such as market.awareness.innovation"
            )
            continue
        if path[0] == "extends":
            problems.append(
                f"{SET_FILE}: {item}: extends cannot be overridden; expected a key of the "
                "scenario (write extends in the scenario file)"
            )
            continue
        created = _missing_prefixes(raw.data, path)
        problem = _set_value(raw.data, path, parse_set_value(value_text))
        if problem is not None:
            problems.append(f"{SET_FILE}: {item}: {problem}")
            continue
        origin = _Origin(SET_FILE, set_item=item, set_path=path)
        for prefix in created:  # tables the --set created belong to it too
            raw.origins[prefix] = origin
        raw.origins[path] = origin
        for sub in _key_paths(_get(raw.data, path), path):
            raw.origins[sub] = origin
    if problems:
        raise InputError(problems)


def _set_value(data: dict[str, Any], path: Key, value: Any) -> str | None:
    """Set ``value`` at ``path``, creating tables on the way; return a problem or None."""
    table = data
    for n, key in enumerate(path[:-1], start=1):
        prefix = path[:n]
        found = schema_type(prefix)
        if found is not None and not is_table_type(found[0]):
            return f"{format_key(prefix)} holds {describe_type(*found)}, not a table"
        current = table.get(str(key))
        if current is None:
            current = table[str(key)] = {}
        elif not isinstance(current, dict):
            return f"{format_key(prefix)} is {format_value(current)}, not a table"
        table = current
    table[str(path[-1])] = value
    return None


def _get(data: Any, path: Key) -> Any:
    for key in path:
        data = data[key]
    return data


# ---------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------


def format_key(path: Key) -> str:
    """Show a key path as a dotted TOML key (``partners.var.count``, ``a[0].b``)."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            part = key if _BARE_KEY.fullmatch(key) else '"' + key.replace('"', '\\"') + '"'
            out += f".{part}" if out else part
    return out


def _fmt_num(x: Any) -> str:
    if isinstance(x, int) or not isinstance(x, float):
        return str(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return str(int(x)) if x.is_integer() and abs(x) < 1e16 else repr(x)


def format_value(value: Any) -> str:
    """Show a value the way the user wrote it, roughly (TOML booleans, quoted strings)."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = _fmt_num(value)
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dict):
        text = "a table" if value else "an empty table"
    elif isinstance(value, list):
        text = "[" + ", ".join(format_value(v) for v in value) + "]"
    elif isinstance(value, datetime | date | time):
        text = value.isoformat()
    else:
        text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 1] + "…"
    return text


def _line(origin: _Origin, path: Key, message: str) -> str:
    if origin.set_item is not None:
        if not path or path == origin.set_path:
            return f"{SET_FILE}: {origin.set_item}: {message}"
        return f"{SET_FILE}: {origin.set_item}: {format_key(path)}: {message}"
    if not path:
        return f"{origin.file}: {message}"
    return f"{origin.file}: {format_key(path)}: {message}"


# ---------------------------------------------------------------------------------------------
# the schema's types, described for humans
# ---------------------------------------------------------------------------------------------


def unwrap_annotated(tp: Any, meta: list[Any]) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` layers, collecting their constraints into ``meta``."""
    meta = list(meta)
    while get_origin(tp) is Annotated:
        base, *extra = get_args(tp)
        for item in extra:
            meta.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        tp = base
    return tp, meta


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def is_model_type(tp: Any) -> bool:
    """Whether a declared type is a schema table (a pydantic model class)."""
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def is_table_type(tp: Any) -> bool:
    """Whether a declared type holds a table: a model, a dict, or a union with one."""
    tp, _ = unwrap_annotated(tp, [])
    if _is_union(tp):
        return any(is_table_type(a) for a in get_args(tp))
    return is_model_type(tp) or get_origin(tp) is dict


def schema_type(path: Key, root: Any = Scenario) -> tuple[Any, list[Any]] | None:
    """The declared type and constraints at a key path, None where the schema has no such key.

    Args:
        path: Key path from the root model.
        root: The pydantic model the path starts from (the scenario by default).
    """
    tp: Any = root
    meta: list[Any] = []
    for key in path:
        tp, meta = unwrap_annotated(tp, meta)
        if _is_union(tp):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return None
            tp, meta = unwrap_annotated(args[0], meta)
        origin = get_origin(tp)
        if is_model_type(tp):
            field = tp.model_fields.get(key) if isinstance(key, str) else None
            if field is None:
                return None
            tp, meta = field.annotation, list(field.metadata)
        elif origin is dict:
            tp, meta = get_args(tp)[1], []
        elif origin is list and isinstance(key, int):
            tp, meta = get_args(tp)[0], []
        else:
            return None
    return tp, meta


def _choices(values: Sequence[Any]) -> str:
    shown = [repr(v.value if isinstance(v, Enum) else v) for v in values]
    if len(shown) == 1:
        return shown[0]
    if len(shown) == 2:
        return f"{shown[0]} or {shown[1]}"
    return "one of " + ", ".join(shown)


def _limit(meta: list[Any], kind: type, attribute: str) -> Any:
    """The last bound of one kind (``annotated_types.Ge`` …) among the metadata, or None."""
    return next((getattr(m, attribute) for m in reversed(meta) if isinstance(m, kind)), None)


def _bounds(meta: list[Any]) -> str:
    """The numeric bounds a type's metadata declares, e.g. `` in [0, 1]`` or `` ≥ 1``."""
    ge = _limit(meta, annotated_types.Ge, "ge")
    gt = _limit(meta, annotated_types.Gt, "gt")
    le = _limit(meta, annotated_types.Le, "le")
    lt = _limit(meta, annotated_types.Lt, "lt")
    low = (f"[{_fmt_num(ge)}", ge) if ge is not None else (f"({_fmt_num(gt)}", gt)
    high = (f"{_fmt_num(le)}]", le) if le is not None else (f"{_fmt_num(lt)})", lt)
    if low[1] is not None and high[1] is not None:
        return f" in {low[0]}, {high[0]}"
    for value, sign in ((ge, "≥"), (gt, ">"), (le, "≤"), (lt, "<")):
        if value is not None:
            return f" {sign} {_fmt_num(value)}"
    return ""


def _lengths(meta: list[Any]) -> str:
    low = next((m.min_length for m in meta if isinstance(m, annotated_types.MinLen)), None)
    high = next((m.max_length for m in meta if isinstance(m, annotated_types.MaxLen)), None)
    if low and high is not None:
        return f" of {low} to {high} characters"
    if low:
        return f" of at least {low} character{'s' if low > 1 else ''}"
    if high is not None:
        return f" of at most {high} characters"
    return ""


_SCALAR_NAMES: dict[type, tuple[str, str]] = {
    int: ("an int", "ints"),
    float: ("a number", "numbers"),
    str: ("a string", "strings"),
}
"""How a scalar type is named in messages: (singular, plural)."""


def describe_type(tp: Any, meta: list[Any], plural: bool = False) -> str:
    """Describe what a declared type accepts, e.g. ``an int in [1, 1000000]``."""
    tp, meta = unwrap_annotated(tp, meta)
    if _is_union(tp):
        args = [a for a in get_args(tp) if a is not type(None)]
        return " or ".join(describe_type(a, meta, plural) for a in args)
    for found in (_describe_choices(tp), _describe_scalar(tp, meta, plural)):
        if found is not None:
            return found
    return _describe_container(tp, plural)


def _describe_choices(tp: Any) -> str | None:
    """The accepted values of a ``Literal`` or an ``Enum``; None for any other type."""
    if get_origin(tp) is Literal:
        return _choices(get_args(tp))
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _choices(list(tp))
    return None


def _describe_scalar(tp: Any, meta: list[Any], plural: bool) -> str | None:
    """A bool, int, number or string with its bounds or lengths; None for any other type."""
    if tp is bool:
        return "true or false"
    names = _SCALAR_NAMES.get(tp)
    if names is None:
        return None
    return names[plural] + (_lengths(meta) if tp is str else _bounds(meta))


def _describe_container(tp: Any, plural: bool) -> str:
    """A list, a table of names or a table of keys; else the type's name."""
    origin = get_origin(tp)
    if origin is list:
        return ("lists" if plural else "a list") + f" of {describe_type(get_args(tp)[0], [], True)}"
    if origin is dict:
        return ("tables" if plural else "a table") + (
            f" of names to {describe_type(get_args(tp)[1], [], True)}"
        )
    if is_model_type(tp):
        return "tables" if plural else "a table"
    return getattr(tp, "__name__", str(tp))


def _describe_at(path: Key) -> str | None:
    found = schema_type(path)
    return None if found is None else describe_type(*found)


def _accepted_keys(path: Key) -> list[str]:
    """The keys a table at ``path`` accepts (empty when any name is accepted)."""
    if path in _FIXED_KEY_TABLES:
        return list(_FIXED_KEY_TABLES[path])
    found = schema_type(path)
    if found is None:
        return []
    tp, _ = unwrap_annotated(*found)
    if is_model_type(tp):
        names = list(tp.model_fields)
        return [*names, "extends"] if not path else names
    return []


def unknown_key_message(path: Key) -> str:
    """The message for an unknown key: the closest accepted key, or the accepted ones."""
    accepted = _accepted_keys(path[:-1])
    close = difflib.get_close_matches(str(path[-1]), accepted, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    if accepted:
        return "unknown key; expected one of: " + ", ".join(accepted)
    return "unknown key"


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------


def _data_prefix(data: Any, loc: Key) -> Key:
    """The longest prefix of ``loc`` that exists in ``data`` (drops pydantic's union tags)."""
    n = 0
    for key in loc:
        in_table = isinstance(data, dict) and isinstance(key, str) and key in data
        in_list = isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data)
        if not (in_table or in_list):
            break
        data = data[key]
        n += 1
    return loc[:n]


def _lookup(data: Any, path: Key) -> tuple[bool, Any]:
    return (True, _get(data, path)) if _data_prefix(data, path) == path else (False, None)


def _fix_tables(raw: _Raw) -> list[str]:
    """Merge fixed-key tables over their defaults; report and drop unknown names in them."""
    problems: list[str] = []
    for path, names in _FIXED_KEY_TABLES.items():
        exists, table = _lookup(raw.data, path)
        if not exists or not isinstance(table, dict):
            continue
        defaults = {k: v.model_dump() for k, v in Market().segments.items()}
        merged: dict[str, Any] = {}
        for name in names:
            value = table.get(name, {})
            merged[name] = {**defaults[name], **value} if isinstance(value, dict) else value
        for name in table:
            if name not in names:
                key = (*path, name)
                problems.append(_line(raw.origin_of(key), key, unknown_key_message(key)))
        parent = _get(raw.data, path[:-1])
        parent[path[-1]] = merged
    return problems


def _non_finite(data: Any, prefix: Key) -> Iterator[tuple[Key, float]]:
    if isinstance(data, float) and not math.isfinite(data):
        yield prefix, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _non_finite(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _non_finite(value, (*prefix, i))


def _value_error(raw: _Raw, path: Key, err: Any) -> tuple[Key, str]:
    """Word a model validator's message: ``a.b must be X`` becomes ``a.b: <v> ...; expected X``."""
    error = err.get("ctx", {}).get("error")
    text = str(error) if error is not None else str(err["msg"]).removeprefix("Value error, ")
    match = re.fullmatch(r"([A-Za-z_][\w.]*) (.+)", text, re.DOTALL)
    if match:
        key: Key = tuple(match[1].split("."))
        if key[: len(path)] == path and len(key) > len(path):
            rest = match[2]
            exists, value = _lookup(raw.data, key)
            if rest.startswith("must be ") and exists:
                return key, f"{format_value(value)} is not accepted; expected {rest[8:]}"
            return key, rest
    if path and not isinstance(err.get("input"), dict | list):
        return path, f"{format_value(err.get('input'))} is not accepted: {text}"
    return path, text


def _fallback_expected(err: Any) -> str:
    ctx = err.get("ctx") or {}
    for name, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
        if name in ctx:
            return f"a value {sign} {_fmt_num(ctx[name])}"
    if "expected" in ctx:
        return str(ctx["expected"])
    msg = str(err.get("msg", "a valid value"))
    return msg.removeprefix("Input should be ")


def _schema_problems(raw: _Raw, exc: ValidationError, reported: set[Key]) -> list[str]:
    problems: list[str] = []
    for err in exc.errors(include_url=False):
        loc: Key = tuple(err["loc"])
        kind = err["type"]
        path = loc if kind == "missing" else _data_prefix(raw.data, loc)
        if any(path[:n] in reported for n in range(len(path) + 1)):
            continue
        if kind == "extra_forbidden":
            message = unknown_key_message(path)
        elif kind == "missing":
            message = f"key is missing; expected {_describe_at(path) or 'a value'}"
        elif kind in ("value_error", "assertion_error") and isinstance(err.get("input"), dict):
            path, message = _value_error(raw, path, err)
        else:
            expected = _describe_at(path) or _fallback_expected(err)
            message = f"{format_value(err.get('input'))} is not accepted; expected {expected}"
        problems.append(_line(raw.origin_of(path), path, message))
    return problems


def _validate(raw: _Raw) -> Scenario:
    problems = _fix_tables(raw)
    reported: set[Key] = set()
    for path, value in _non_finite(raw.data, ()):
        reported.add(path)
        problems.append(
            _line(
                raw.origin_of(path),
                path,
                f"{format_value(value)} is not accepted; expected a finite number",
            )
        )
    try:
        scenario = Scenario.model_validate(raw.data)
    except ValidationError as exc:
        problems += _schema_problems(raw, exc, reported)
        raise InputError(_unique(problems)) from None
    if problems:
        raise InputError(_unique(problems))
    return scenario


def _check(raw: _Raw, scenario: Scenario) -> None:
    problems = []
    for problem in check_scenario(scenario):
        path: Key = tuple(problem.key.split("."))
        message = f"{format_value(problem.value)} is not accepted; expected {problem.accepted}"
        problems.append(_line(raw.origin_of(path), path, message))
    if problems:
        raise InputError(_unique(problems))


def _unique(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(lines))


# ---------------------------------------------------------------------------------------------
# public entry points
# ---------------------------------------------------------------------------------------------


def override_items(overrides: Mapping[str, Any]) -> list[str]:
    """``KEY=VALUE`` strings (``--set`` items) for :func:`load_scenario` from a dict.

    Values are written as TOML (``tomli_w``), so that they parse back to the same value; a dict
    value becomes one override per key below it (``{"a.b": {"c": 1}}`` → ``a.b.c=1``).

    Args:
        overrides: Dotted scenario key → value, e.g. ``{"time.periods": 12}``.

    Returns:
        The override strings, in the order of ``overrides``.
    """
    out: list[str] = []
    for key, value in overrides.items():
        if isinstance(value, Mapping):
            out += override_items({f"{key}.{sub}": inner for sub, inner in value.items()})
            continue
        text = tomli_w.dumps({"v": value})
        out.append(f"{key}={text.removeprefix('v = ').rstrip()}")
    return out


def load_scenario(source: str | Path, overrides: Sequence[str] = ()) -> LoadedScenario:
    """Load, merge, override, validate and check a scenario.

    Args:
        source: A path (absolute or relative to the working directory) or a shipped scenario's
            name, with or without ``.toml``.
        overrides: ``KEY=VALUE`` strings applied in order after ``extends``; KEY is a dotted key
            path (tables on the way are created), VALUE a TOML value or else a plain string.

    Returns:
        The validated scenario, its name (the file's stem) and its absolute path.

    Raises:
        InputError: Anything wrong with the input, every problem of the failing stage on its
            own line.
    """
    text = str(source)
    path = resolve_source(text)
    shown = text if Path(text).expanduser().exists() else display_path(path)
    raw = _resolve_raw(path, shown)
    if isinstance(overrides, str):
        overrides = [overrides]
    _apply_overrides(raw, overrides)
    scenario = _validate(raw)
    _check(raw, scenario)
    return LoadedScenario(scenario=scenario, name=path.stem, path=path.resolve())


def list_shipped() -> list[tuple[str, str]]:
    """List the shipped scenarios.

    Returns:
        ``(name, description)`` for every ``*.toml`` of the shipped folder (not its subfolders),
        sorted by name. The description is the top-level ``description`` after resolving
        ``extends``; "" when there is none, and a note when the file cannot be read.
    """
    out: list[tuple[str, str]] = []
    for name, path in sorted(_shipped_paths().items()):
        try:
            description = _resolve_raw(path, display_path(path)).data.get("description", "")
        except InputError:
            description = f"(unreadable: see `channelsim validate {name}`)"
        out.append((name, description if isinstance(description, str) else ""))
    return out


def dump_resolved(scenario: Scenario) -> str:
    """Write the full scenario, every default filled in, as TOML.

    The text is deterministic (the same scenario gives the same string) and loads back, as a
    scenario file, to an equal scenario. Keys that are None (meaning "none", e.g.
    ``direct.territories``) are left out and load back as their default None.

    Args:
        scenario: A validated scenario.

    Returns:
        The TOML text.
    """
    return tomli_w.dumps(scenario.model_dump(mode="json", exclude_none=True))


def scenario_sha256(scenario: Scenario) -> str:
    """Hash a scenario.

    Args:
        scenario: A validated scenario.

    Returns:
        The sha256 hex digest of :func:`dump_resolved`'s text, encoded as UTF-8.
    """
    return hashlib.sha256(dump_resolved(scenario).encode("utf-8")).hexdigest()
