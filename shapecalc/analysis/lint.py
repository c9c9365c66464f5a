"""`shapecalc lint`: find the spec files, check each, keep the diagnostics the selection asks for.

This is the pure core of the linter, as yamllint's linter.run() is of yamllint: it prints nothing
and never exits; commands/lint.py turns options into Settings, calls `run`, and writes what formats.py
makes of the result. Everything follows ruff, the linter CI pipelines already know: codes
selected by prefix (the most specific selector wins), `[tool.shapecalc]` in the pyproject.toml
nearest each file, command-line options over it, `# noqa` comments and per-file-ignores,
excludes that apply to files found in directories but not to files named on the command line
(unless force-exclude), and exit codes 0 clean, 1 errors, 2 the command could not run. A
repository holds other YAML than specs: what folders and globs find is linted only if it
looks like a spec (looks_like_spec), and the CI formats give paths from the project root.
"""

from __future__ import annotations

import difflib
import fnmatch
import glob
import os
import re
import sys
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from .check import NotASpecFile, check_read, read_file
from ..layers.cost import CONVENTIONS
from ..diagnostics import RULES, Diagnostic, one_line
from ..spec.files import read_bounded
from ..spec.model import did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI (a dependency only there; see the README)
    import tomli as tomllib

SPEC_SUFFIXES = (".yaml", ".yml")
#: Never searched when walking directories (ruff skips the same kinds of folders); `exclude`
#: replaces this list, `extend-exclude` adds to it. Hidden entries hold tool settings, not specs.
DEFAULT_EXCLUDE = (".*", "__pycache__", "node_modules", "venv", "site-packages", "build", "dist")
#: `[tool.shapecalc]` keys, as written in pyproject.toml.
CONFIG_KEYS = ("select", "ignore", "per-file-ignores", "strict", "exclude", "extend-exclude", "force-exclude",
               "convention")
#: A selector that matches every code (ruff's spelling).
ALL = "ALL"
#: A pyproject.toml holds settings, not data: a larger one is refused unread.
MAX_CONFIG_BYTES = 1024 * 1024


class ConfigError(Exception):
    """Bad configuration or options: the command cannot run (exit code 2)."""


@dataclass(frozen=True)
class Selection:
    """One layer of rule selection: a `select` (None: keep what earlier layers chose) and an `ignore`."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    """Everything `run` needs for one file. `root` anchors the patterns that contain a slash
    (exclude, per-file-ignores): the folder of the pyproject.toml they were read from, or the
    working directory."""

    selections: tuple[Selection, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (pattern, selectors)
    strict: bool = False
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False
    root: Path = Path(".")
    config_file: Path | None = None
    convention: str = "macs"

    @cached_property  # asked once per file linted, and the settings are shared per folder
    def codes(self) -> frozenset[str]:
        return enabled_codes(self.selections)

    def codes_for(self, path: Path) -> frozenset[str]:
        """The codes reported in one file: the selection, less what per-file-ignores drop for it
        (after the selection, as in ruff: `--select` does not bring an ignored code back)."""
        dropped = [selector for pattern, selectors in self.per_file_ignores
                   if matches(path, (pattern,), self.root) for selector in selectors]
        return frozenset(code for code in self.codes if _specificity(code, dropped) < 0)


@dataclass(frozen=True)
class Unreadable:
    """A path that named no file, or a file that could not be read: exit code 2."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class FileResult:
    path: str
    diagnostics: list[Diagnostic]


@dataclass
class LintResult:
    """What one run found. `skipped`: YAML files met in folders or by globs that are not specs;
    `notes`: what the user should hear without failing the run (a `# noqa` naming no code).
    `root` and `cwd` (absolute; empty: paths stay as given) place each path in the project, for
    the formats whose readers resolve paths from the repository's root (github, sarif, junit)."""

    files: list[FileResult] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    strict: bool = False
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    root: str = ""
    cwd: str = ""

    @property
    def errors(self) -> int:
        return sum(d.severity == "error" for f in self.files for d in f.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity == "warning" for f in self.files for d in f.diagnostics)

    @property
    def exit_code(self) -> int:
        """2 if something could not be checked, 1 for errors (or warnings under --strict), else 0."""
        if self.unreadable:
            return 2
        return 1 if self.errors or (self.strict and self.warnings) else 0

    def fails(self, d: Diagnostic) -> bool:
        """Whether the diagnostic fails the run: an error, or a warning under --strict."""
        return d.severity == "error" or self.strict

    def from_root(self, path: str) -> str:
        """`path` (as given, from `cwd`) from the project root, with `/`; absolute when it lies
        outside the root. Both ends are absolute, so no working directory is read here."""
        if not self.root:
            return path
        full = os.path.normpath(os.path.join(self.cwd, path))
        relative = os.path.relpath(full, self.root)
        outside = relative == os.pardir or relative.startswith(os.pardir + os.sep)
        return full if outside else relative.replace(os.sep, "/")


# -- rule selection -------------------------------------------------------------------------------
def _check_selector(selector: str) -> str:
    if selector != ALL and not any(code.startswith(selector) for code in RULES):
        groups = sorted({code[0] for code in RULES})
        raise ConfigError(f"unknown rule code or prefix '{selector}' (codes start with {', '.join(groups)}; "
                          f"e.g. F001, or F for all of them, or {ALL})")
    return selector


def parse_selectors(values: Iterable[str], where: str | None = None) -> tuple[str, ...]:
    """`F,W001` and repeated options alike, upper-cased, each checked against RULES; `where` (an
    option or a key) prefixes the messages.

    An empty selector (`--select ''`, `F,`, `select = [""]`) is an error, not nothing: dropping
    it would turn a `--select` into "select no code" and every check off without a word."""
    prefix = f"{where}: " if where else ""
    selectors = []
    for value in values:
        for part in value.split(","):
            if not part.strip():
                raise ConfigError(f"{prefix}empty rule code in {one_line(repr(value))} (give codes or prefixes, "
                                  f"comma-separated: e.g. F001, or F for all of them, or {ALL})")
            try:
                selectors.append(_check_selector(part.strip().upper()))
            except ConfigError as err:
                raise ConfigError(f"{prefix}{err}") from None
    return tuple(selectors)


def _specificity(code: str, selectors: Sequence[str]) -> int:
    """Length of the longest selector matching `code` (ALL matches with 0), or -1 for none."""
    return max((0 if s == ALL else len(s) for s in selectors if s == ALL or code.startswith(s)), default=-1)


def enabled_codes(selections: Iterable[Selection]) -> frozenset[str]:
    """Apply selections in order, as ruff does: every code is on to begin with; a layer with a
    `select` starts over from nothing; within a layer the more specific selector wins, and an
    `ignore` wins a tie (`--select W --ignore W` reports nothing)."""
    enabled = set(RULES)
    for layer in selections:
        if layer.select is not None:
            enabled = set()
        for code in RULES:
            chosen, ignored = _specificity(code, layer.select or ()), _specificity(code, layer.ignore)
            if chosen > ignored:
                enabled.add(code)
            elif ignored >= 0:
                enabled.discard(code)
    return frozenset(enabled)


# -- configuration --------------------------------------------------------------------------------
def _found(value: Any) -> str:
    """What a configured value is, in a few words: never its repr, which for an array nested a
    thousand deep raises RecursionError and for an integer of 5,000 digits ValueError."""
    if isinstance(value, str):
        return one_line(repr(value if len(value) <= 40 else value[:40] + "..."))
    if isinstance(value, bool):
        return "true" if value else "false"
    kinds = ((int, "an integer"), (float, "a float"), (list, "an array"), (dict, "a table"))
    return next((words for kind, words in kinds if isinstance(value, kind)), "a date or time")


def _parse(path: Path) -> dict[str, Any]:
    """The parsed document of a pyproject.toml; ConfigError if it cannot be read or is not TOML.

    Read with read_bounded, so a FIFO or /dev/zero named pyproject.toml is refused, not waited
    on. tomllib gives up on arrays nested past Python's recursion limit with RecursionError,
    and on a decimal integer longer than Python's digit limit with a bare ValueError."""
    try:
        data = read_bounded(path, MAX_CONFIG_BYTES, "the configuration")
    except OSError as err:  # files.BadFile: the whole message, path first
        raise ConfigError(str(err)) from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = len(data[data.rfind(b"\n", 0, err.start) + 1:err.start].decode("utf-8")) + 1
        raise ConfigError(f"{path}:{line}:{column}: not UTF-8 (byte 0x{data[err.start]:02x}), "
                          f"which TOML requires") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from None
    except ValueError:
        raise ConfigError(f"{path}: an integer of more than {sys.get_int_max_str_digits():,} digits, "
                          f"more than Python reads") from None
    except RecursionError:
        raise ConfigError(f"{path}: arrays or tables nested too deeply to read") from None


def _shapecalc_table(document: dict[str, Any], path: Path) -> dict[str, Any] | None:
    """`tool.shapecalc` of a parsed document, however the TOML spells it (`[tool.shapecalc]`,
    `[tool]` with `shapecalc = {...}`, dotted keys, quoted keys), or None if it has none."""
    tool = document.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: tool must be a table, found {_found(tool)}")
    table = tool.get("shapecalc")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.shapecalc] must be a table, found {_found(table)}")
    return table


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest pyproject.toml, from `start` upwards, whose parsed document has a
    tool.shapecalc table, and that table.

    Every pyproject.toml on the way is parsed, never searched as text (TOML spells one table
    many ways); one that cannot be read or parsed is an error, as in ruff: it may hold the
    settings the user meant."""
    for folder in (start, *start.parents):
        config = _config_in(folder)
        if config is not None:
            return config
    return None


def _config_in(folder: Path) -> tuple[Path, dict[str, Any]] | None:
    """The pyproject.toml of this very folder and its tool.shapecalc table, if it has one."""
    candidate = folder / "pyproject.toml"
    if not os.path.lexists(candidate):
        return None
    table = _shapecalc_table(_parse(candidate), candidate)
    return None if table is None else (candidate, table)


def _strings(key: str, value: Any, where: Path) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: [tool.shapecalc] {key}: expected a list of strings, found {_found(value)}")
    for item in value:
        if not isinstance(item, str):
            raise ConfigError(f"{where}: [tool.shapecalc] {key}: expected a list of strings, found "
                              f"{_found(item)} in the list")
    return tuple(value)


def _per_file_ignores(value: Any, where: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`per-file-ignores = {"legacy/*.yaml" = ["W001"]}`: a table of patterns, each with a list
    of codes or prefixes, checked as `ignore` is (an unknown code is an error, not a no-op)."""
    key = "per-file-ignores"
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [tool.shapecalc] {key}: expected a table of patterns, each with a list of "
                          f"codes (\"legacy/*.yaml\" = [\"W001\"]), found {_found(value)}")
    pairs = []
    for pattern, codes in value.items():
        prefix = f"{where}: [tool.shapecalc] {key} {_found(pattern)}"
        pairs.append((pattern, parse_selectors(_strings(f"{key} {_found(pattern)}", codes, where), prefix)))
    return tuple(pairs)


def _unknown_key(key: str) -> str:
    """The message for a key [tool.shapecalc] does not take, with the likely one meant."""
    hint = did_you_mean(key.replace("_", "-"), list(CONFIG_KEYS)) or f" (it takes {', '.join(CONFIG_KEYS)})"
    return f"[tool.shapecalc] has no key {_found(key)}{hint}"


def read_config(path: Path, table: dict[str, Any]) -> Settings:
    """Settings from the [tool.shapecalc] table of the pyproject.toml at `path`; every key optional."""
    for key in table:
        if key not in CONFIG_KEYS:
            raise ConfigError(f"{path}: {_unknown_key(key)}")
    for key in ("strict", "force-exclude"):
        if not isinstance(table.get(key, False), bool):
            raise ConfigError(f"{path}: [tool.shapecalc] {key}: expected true or false, found {_found(table[key])}")
    convention = table.get("convention", "macs")
    if not isinstance(convention, str) or convention not in CONVENTIONS:
        raise ConfigError(f"{path}: [tool.shapecalc] convention: expected one of {', '.join(CONVENTIONS)}, "
                          f"found {_found(convention)}")
    where = f"{path}: [tool.shapecalc] "
    selected = _strings("select", table["select"], path) if "select" in table else None
    ignored = _strings("ignore", table.get("ignore", []), path)
    return Settings(
        selections=(Selection(None if selected is None else parse_selectors(selected, where + "select"),
                              parse_selectors(ignored, where + "ignore")),),
        per_file_ignores=_per_file_ignores(table.get("per-file-ignores", {}), path),
        strict=table.get("strict", False),
        exclude=_strings("exclude", table["exclude"], path) if "exclude" in table else DEFAULT_EXCLUDE,
        extend_exclude=_strings("extend-exclude", table.get("extend-exclude", []), path),
        force_exclude=table.get("force-exclude", False),
        root=path.parent,
        config_file=path,
        convention=convention,
    )


def load_config(cwd: Path) -> Settings:
    """The settings of the nearest configuration, or the defaults (rooted at `cwd`) if none."""
    config = find_config(cwd.resolve())
    return read_config(*config) if config else Settings(root=cwd)


@dataclass(frozen=True)
class Overrides:
    """The command line's options, laid over every configuration read (None: not given).

    `select` replaces the configured selection, `ignore` and `extend_exclude` add to it."""

    selection: Selection = Selection()
    strict: bool | None = None
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool | None = None

    @classmethod
    def parse(cls, select: Sequence[str] | None = None, ignore: Sequence[str] = (), strict: bool | None = None,
              exclude: Sequence[str] | None = None, extend_exclude: Sequence[str] = (),
              force_exclude: bool | None = None) -> Overrides:
        """The options as given; ConfigError for an unknown or empty rule code."""
        return cls(Selection(parse_selectors(select, "--select") if select is not None else None,
                             parse_selectors(ignore, "--ignore")),
                   strict, None if exclude is None else tuple(exclude), tuple(extend_exclude), force_exclude)

    def apply(self, settings: Settings) -> Settings:
        return replace(
            settings,
            selections=settings.selections + (self.selection,),
            strict=settings.strict if self.strict is None else self.strict,
            exclude=settings.exclude if self.exclude is None else self.exclude,
            extend_exclude=settings.extend_exclude + self.extend_exclude,
            force_exclude=settings.force_exclude if self.force_exclude is None else self.force_exclude,
        )


def load_settings(cwd: Path, select: Sequence[str] | None = None, ignore: Sequence[str] = (),
                  strict: bool | None = None, exclude: Sequence[str] | None = None,
                  extend_exclude: Sequence[str] = (), force_exclude: bool | None = None) -> Settings:
    """The nearest configuration from `cwd`, then the command line's options over it."""
    return Overrides.parse(select, ignore, strict, exclude, extend_exclude, force_exclude).apply(load_config(cwd))


class Configs:
    """The settings of each file, looked up as ruff does: the nearest pyproject.toml with a
    [tool.shapecalc] table above the file's folder, the command line's options over it; where
    none is found, the working folder's (`default`). What holds for the whole run, `strict`,
    is the default's: one run has one verdict. Each folder is looked up once.

    Without overrides every file gets `default` as it is (a caller that built its Settings)."""

    def __init__(self, default: Settings, overrides: Overrides | None = None) -> None:
        self.default = default
        self.overrides = overrides
        self._by_folder: dict[str, Settings] = {}

    @classmethod
    def load(cls, cwd: Path, overrides: Overrides) -> Configs:
        """The configurations seen from `cwd`; ConfigError if its own cannot be read."""
        return cls(overrides.apply(load_config(cwd)), overrides)

    def settings_for(self, folder: Path) -> Settings:
        """The settings of the files in `folder`; ConfigError for a configuration that cannot be read."""
        if self.overrides is None:
            return self.default
        start = Path(os.path.abspath(folder))
        walked: list[str] = []
        found = self.default
        for candidate in (start, *start.parents):
            key = str(candidate)
            if key in self._by_folder:
                found = self._by_folder[key]
                break
            walked.append(key)
            config = _config_in(candidate)
            if config is not None:
                found = self.overrides.apply(read_config(*config))
                break
        for key in walked:
            self._by_folder[key] = found
        return found


def project_root(cwd: Path) -> Path:
    """Where the paths of the github, sarif and junit reports start: the repository's root (the
    nearest folder above `cwd` holding `.git`, a folder or a worktree's file), since that is
    what GitHub resolves annotations and code scanning results against; without git the
    folder of the nearest pyproject.toml; else `cwd` itself."""
    start = Path(os.path.abspath(cwd))
    for marker in (".git", "pyproject.toml"):
        for folder in (start, *start.parents):
            if os.path.lexists(folder / marker):
                return folder
    return start


# -- finding the files ----------------------------------------------------------------------------
def matches(path: Path, patterns: Iterable[str], root: Path) -> bool:
    """Whether any pattern matches `path` (excludes and per-file-ignores alike): one without a
    slash matches a file or folder name anywhere (`.venv`, `*-draft.yaml`); one with a slash
    the path from `root` (`architectures/old/*`; `*` matches across `/`)."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")
    inside = relative != ".." and not relative.startswith("../")  # outside the root only names match
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if "/" not in pattern:
            if fnmatch.fnmatchcase(path.name, pattern):
                return True
        elif inside and fnmatch.fnmatchcase(relative, pattern.removeprefix("./")):
            return True
    return False


def is_excluded(path: Path, settings: Settings) -> bool:
    """Whether the settings' exclude or extend-exclude patterns match `path` (see matches)."""
    return matches(path, settings.exclude + settings.extend_exclude, settings.root)


def _excluded_here_or_above(path: Path, settings: Settings) -> bool:
    """For a path not met while walking (named outright under force-exclude, or matched by a
    glob): excluded if it is, or if a folder above it is, up to the settings' root."""
    if is_excluded(path, settings):
        return True
    root = os.path.abspath(settings.root)
    for parent in path.parents:
        folder = os.path.abspath(parent)
        if folder == root or not folder.startswith(root + os.sep):
            return False
        if is_excluded(parent, settings):
            return True
    return False


@dataclass(frozen=True)
class Target:
    """A file to lint: `named` when the command line named it outright (then it is linted as a
    spec whatever it holds), with the settings of its folder."""

    path: str
    named: bool
    settings: Settings


def _walk(top: Path, configs: Configs) -> Iterable[Target]:
    """YAML files below a folder, in sorted order, pruning excluded folders as it goes; each
    folder's entries judged by that folder's settings."""
    for folder, dirs, files in os.walk(top):
        base = Path(folder)
        settings = configs.settings_for(base)
        dirs[:] = sorted(d for d in dirs if not is_excluded(base / d, settings))
        for name in sorted(files):
            path = base / name
            if name.endswith(SPEC_SUFFIXES) and not is_excluded(path, settings):
                yield Target(str(path), False, settings)


def _folders_below(base: str) -> Iterator[str]:
    """`base` and every folder below it that `**` matches: not hidden (as in glob), and not
    reached through a symlink, so a link to `.` or to a parent cannot make the walk endless."""
    yield base
    stack = [base]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder or os.curdir) as entries:
                below = [os.path.join(folder, entry.name) for entry in entries
                         if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False)]
        except OSError:  # unreadable or gone: glob skips it too
            continue
        yield from below
        stack.extend(below)


def expand_glob(pattern: str) -> list[str]:
    """What glob.glob(pattern, recursive=True) matches, except that `**` never follows a
    symlinked folder: glob's does, so one link `a -> .` yields every file 41 times (until the
    system's symlink limit) and two such links never end. A name the pattern spells out is still
    followed (`link/*.yaml`); a trailing `**` stands for its folder, which discover then searches."""
    parts = pattern.replace(os.sep, "/").split("/")
    if "**" not in parts:
        return glob.glob(pattern)
    at = parts.index("**")
    prefix = "/".join(parts[:at]) or ("/" if at else "")
    if glob.has_magic(prefix):
        bases = [base for base in glob.glob(prefix) if os.path.isdir(base)]
    else:
        bases = [prefix] if not prefix or os.path.isdir(prefix) else []
    rest = parts[at + 1:]
    if not any(rest):  # `specs/**`: the folders themselves, which discover searches
        return [base or os.curdir for base in bases]
    return [match for base in bases for folder in _folders_below(base)
            for match in expand_glob(os.path.join(glob.escape(folder), *rest))]


def discover(args: Sequence[str], settings: Settings | Configs) -> tuple[list[Target], list[Unreadable]]:
    """The files to lint, each once (however many paths reach it), in the order given; and the
    arguments that named nothing. `settings`: a Configs to look each folder's settings up, or
    one Settings for every file.

    A folder is searched for *.yaml and *.yml; a glob (quoted, so the shell leaves it alone;
    `**` recurses) is expanded like a folder's contents; a file named outright is linted
    whatever its name, even when excluded, unless force-exclude is set."""
    configs = settings if isinstance(settings, Configs) else Configs(settings)
    found: list[Target] = []
    missing: list[Unreadable] = []
    for arg in args:
        path = Path(arg)
        own = configs.settings_for(path.parent)
        if own.force_exclude and _excluded_here_or_above(path, own):
            continue
        try:
            is_dir = path.is_dir()
        except OSError as err:  # a name too long, a folder above that cannot be searched
            missing.append(Unreadable(arg, f"cannot read: {err.strerror or err}"))
            continue
        if is_dir:
            found.extend(_walk(path, configs))
        elif os.path.lexists(path):
            found.append(Target(str(path), True, own))
        elif glob.has_magic(arg):
            matches = [Path(m) for m in sorted(expand_glob(arg))]
            if not matches:
                missing.append(Unreadable(arg, "no files match this pattern"))
            for match in matches:
                near = configs.settings_for(match.parent)
                if _excluded_here_or_above(match, near):
                    continue
                if match.is_dir():
                    found.extend(_walk(match, configs))
                elif match.name.endswith(SPEC_SUFFIXES):
                    found.append(Target(str(match), False, near))
        else:
            missing.append(Unreadable(arg, "no such file or directory"))
    seen: set[str] = set()
    unique = []
    for target in found:  # by the real path: `x.yaml` and `link/x.yaml` with link -> . are one file
        key = os.path.normcase(os.path.realpath(target.path))
        if key not in seen:
            seen.add(key)
            unique.append(target)
    return unique, missing


# -- recognising specs, and `# noqa` -------------------------------------------------------------
#: A spec's own top-level keys, at the start of a line (quoted or not; `{` for a flow mapping):
#: found in the bytes, so a spec that does not parse (a tab, a missing bracket, not UTF-8) is
#: still a spec, and docker-compose.yml or mkdocs.yml, which have neither key, are not.
_SPEC_KEY = re.compile(rb"^(?:\xef\xbb\xbf)?(?:---[ \t]+)?(?:\{[ \t]*)?[\"']?(?:input|layers)[\"']?[ \t]*:", re.M)
#: `# noqa` (bare: every code) or `# noqa: F001, W002` ending a line (a comment may follow), as
#: ruff writes it; only at the end, so a `#` inside a quoted value that goes on is not one.
_NOQA = re.compile(r"(?:^|[ \t])#[ \t]*noqa(?P<colon>[ \t]*:(?P<codes>[^#]*))?[ \t]*(?:#.*)?$", re.I)
#: The line breaks PyYAML counts lines by, so a `# noqa` and a diagnostic's line agree.
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def looks_like_spec(data: bytes) -> bool:
    """Whether a YAML file met in a folder or by a glob is a spec: a line starting with the key
    `input:` or `layers:`, the two every spec has (a file named outright is always linted)."""
    return _SPEC_KEY.search(data) is not None


def noqa_lines(data: bytes, path: str) -> tuple[dict[int, frozenset[str] | None], list[str]]:
    """The codes each line's `# noqa` suppresses (1-based line; None: every code), and a note
    for each code that is none of shapecalc's (ruff warns the same way): it suppresses nothing,
    and the run goes on, since the diagnostic it meant to silence is still reported."""
    lines: dict[int, frozenset[str] | None] = {}
    notes: list[str] = []
    if re.search(rb"(?i)noqa", data) is None:  # the usual case: no line to look at
        return lines, notes
    for line, text in enumerate(_LINE_BREAK.split(data.decode("utf-8", "surrogateescape")), 1):
        match = _NOQA.search(text)
        if match is None:
            continue
        if match["colon"] is None:
            lines[line] = None
            continue
        given = [code.upper() for code in re.split(r"[\s,]+", match["codes"]) if code]
        for code in given:
            if code not in RULES:
                meant = difflib.get_close_matches(code, list(RULES), n=1)
                hint = f"; did you mean {meant[0]}?" if meant else ""
                notes.append(f"{path}:{line}: '# noqa' names {_found(code)}, which is no shapecalc code{hint}")
        if not given:
            notes.append(f"{path}:{line}: '# noqa:' without codes suppresses nothing (write '# noqa' for every code)")
        lines[line] = frozenset(code for code in given if code in RULES)
    return lines, notes


def _suppressed(d: Diagnostic, noqa: dict[int, frozenset[str] | None]) -> bool:
    codes = noqa.get(d.line, frozenset())
    return codes is None or d.code in codes


# -- checking -------------------------------------------------------------------------------------
def run(args: Sequence[str], settings: Settings | Configs, root: Path | None = None) -> LintResult:
    """Lint every spec the arguments name, in one process; keep the diagnostics each file's
    settings select and its `# noqa` comments leave. `root`: the project root the CI formats'
    paths start from (project_root; None: paths as given)."""
    targets, missing = discover(args, settings)
    default = settings.default if isinstance(settings, Configs) else settings
    result = LintResult(unreadable=missing, strict=default.strict)
    if root is not None:
        result.root, result.cwd = os.path.abspath(root), os.getcwd()
    for target in targets:
        try:
            data, size = read_file(target.path)
        except NotASpecFile:
            result.unreadable.append(Unreadable(target.path, "cannot read: not a regular file"))
            continue
        except OSError as err:
            result.unreadable.append(Unreadable(target.path, f"cannot read: {err.strerror or err}"))
            continue
        if not target.named and not looks_like_spec(data):
            result.skipped.append(target.path)
            continue
        codes = target.settings.codes_for(Path(target.path))
        noqa, notes = noqa_lines(data, target.path)
        result.notes += notes
        diagnostics = check_read(data, size, target.path).diagnostics
        result.files.append(FileResult(target.path, [d for d in diagnostics
                                                     if d.code in codes and not _suppressed(d, noqa)]))
    return result
