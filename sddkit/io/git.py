"""Reading git: plain `git` processes (GitPython is no longer used: it reads no SHA-256 repository)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sddkit.errors import SddkitError


def head_sha(root: Path) -> str | None:
    """The full SHA of HEAD, or None outside git or before the first commit.

    One ``git rev-parse`` process, without GitPython (whose import and three git processes
    cost a write more than the rest of it)."""
    out = _run_git(root, "rev-parse", "--verify", "-q", "HEAD")
    text = out.decode("ascii", "replace").strip() if out is not None else ""
    return text or None


def user_name(root: Path) -> str | None:
    """``git config user.name`` as git itself resolves it (repository, then global)."""
    out = _run_git(root, "config", "--get", "user.name")
    text = out.decode("utf-8", "replace").strip() if out is not None else ""
    return text or None


#: Settings every git process sddkit reads runs with, whatever the user's configuration
#: says: paths as bytes (not C-quoted octal), and the root commit's patch shown by
#: ``git log`` (``log.showRoot=false`` hides it: approvals made in a repository's first
#: commit vanished from the gate history, files it added from SDD-002's).
PINNED = ("-c", "core.quotepath=off", "-c", "log.showRoot=true")
#: git's full comparison of its index with the files, whatever the user's configuration
#: loosened: ``core.trustctime=false`` ignores the inode change time and
#: ``core.checkStat=minimal`` compares whole-second times and sizes only, so an edit that
#: keeps a file's size and mtime would look clean, and the caches that trust git's "clean"
#: (content keys, kept answers) would serve what the file held before (git-config(1)).
FULL_STAT = ("-c", "core.trustctime=true", "-c", "core.checkStat=default")


def _run_git(cwd: Path, *args: str, stdin: bytes | None = None, silent: bool = False
             ) -> bytes | None:
    """``git ARGS`` in ``cwd`` without GitPython (its import alone costs ~0.12 s): stdout,
    or None when git is missing or fails (not a repository, no commit yet); with ``silent``,
    None also when git complained on stderr (a file it could not look at)."""
    import subprocess

    try:
        done = subprocess.run(["git", *PINNED, *args], cwd=cwd,
                              input=stdin, capture_output=True, check=False)
    except OSError:
        return None
    if done.returncode != 0 or (silent and done.stderr.strip()):
        return None
    return done.stdout


def _toplevel(root: Path) -> Path | None:
    out = _run_git(root, "rev-parse", "--show-toplevel")
    text = out.decode("utf-8", "surrogateescape").strip() if out is not None else ""
    return Path(text).resolve() if text else None


def _scope(root: Path, under: Path) -> tuple[Path, str] | None:
    """(top level, ``under`` relative to it in POSIX form); None outside git or outside it."""
    top = _toplevel(root)
    if top is None:
        return None
    try:
        return top, under.resolve().relative_to(top).as_posix() or "."
    except ValueError:
        return None


def added_commits(root: Path, under: Path) -> dict[Path, tuple[str, str]] | None:
    """Files under ``under`` -> (commit, committer date ISO 8601) of the commit that added them.

    One ``git log --diff-filter=A`` over the history (renames count as additions); when a
    file was added more than once (deleted, then added again), the latest addition wins:
    it created the file as it is now. Keys are resolved absolute paths. None outside git
    or before the first commit; files never committed are absent. Runs git directly (two
    quick processes) rather than through GitPython: ``sdd check`` is a hot path.
    """
    found = added_names(root, under)
    if found is None:
        return None
    top, names = found
    return {top / name: commit for name, commit in names.items()}


def unquote_path(name: str) -> str:
    """A path as git prints it outside ``-z`` output: a name holding a control character,
    a double quote or a backslash comes C-quoted (``"a\\tb"``, ``"say \\"hi\\""``, octal
    bytes: git's ``quote.c``) whatever ``core.quotepath`` says; others as they are."""
    if len(name) < 2 or name[0] != '"' or name[-1] != '"':
        return name
    import codecs

    try:
        raw = codecs.escape_decode(name[1:-1].encode("utf-8", "surrogateescape"))[0]
        return raw.decode("utf-8", "surrogateescape")
    except (ValueError, UnicodeDecodeError):
        return name


def added_names(root: Path, under: Path) -> tuple[Path, dict[str, tuple[str, str]]] | None:
    """:func:`added_commits` as (the work tree's top folder, resolved; {path relative to it,
    POSIX: (commit, date)}): no path object per file, for ``sdd check`` on many projects."""
    scoped = _scope(root, under)
    if scoped is None:
        return None
    top, scope = scoped
    out = _run_git(top, "log", "--diff-filter=A", "--no-renames", "--name-only",
                   "--format=%x00%H %cI", "--", scope)
    if out is None:
        return None
    found: dict[str, tuple[str, str]] = {}
    commit = ("", "")
    for line in out.decode("utf-8", "surrogateescape").split("\n"):
        if line.startswith("\x00"):
            sha, _sep, date = line[1:].partition(" ")
            commit = (sha, date.strip())
        elif line.strip():
            found.setdefault(unquote_path(line), commit)  # newest first: the latest addition
    return top, found


def files_at(root: Path, wanted: list[tuple[str, Path]]) -> list[str | None] | None:
    """The text of each (commit, path), None where the file did not exist at that commit.

    One ``git cat-file --batch`` process answers them all. None when git cannot be asked
    (outside git, git missing or failing): the answer is unknown, not "missing".
    """
    if not wanted:
        return []
    top = _toplevel(root)
    if top is None:
        return None
    rels: list[tuple[str, str]] = []
    for commit, path in wanted:
        try:
            rels.append((commit, path.resolve().relative_to(top).as_posix()))
        except ValueError:
            rels.append((commit, ""))
    # `cat-file <commit>:<path>` walks the tree for every name, which is slow for a folder
    # of thousands of projects: list each commit's tree once, then ask for blobs by id.
    blobs: dict[str, dict[str, str]] = {}
    for commit in sorted({c for c, rel in rels if rel}):
        folders = sorted({rel.rsplit("/", 1)[0] for c, rel in rels if c == commit and "/" in rel})
        listing = _run_git(top, "ls-tree", "-r", "-z", "--full-tree", commit, "--",
                           *(folders or ["."]))
        if listing is None:
            return None
        found: dict[str, str] = {}
        for entry in listing.split(b"\0"):
            meta, _tab, name = entry.partition(b"\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == b"blob":
                found[name.decode("utf-8", "surrogateescape")] = parts[2].decode()
        blobs[commit] = found
    names: list[str | None] = [blobs.get(c, {}).get(rel) if rel else None for c, rel in rels]
    asked = [name for name in names if name is not None]
    out = _run_git(top, "cat-file", "--batch", stdin="".join(f"{n}\n" for n in asked).encode())
    if out is None:
        return None
    answers: list[str | None] = []
    position = 0
    for _name in asked:
        end = out.find(b"\n", position)
        if end == -1:  # pragma: no cover - git answers every line it is asked
            return None
        header = out[position:end].split()
        position = end + 1
        if len(header) == 3 and header[2].isdigit():  # "<sha> <type> <size>", then content
            size = int(header[2])
            blob = out[position : position + size] if header[1] == b"blob" else None
            answers.append(blob.decode("utf-8", "replace") if blob is not None else None)
            position += size + 1
        else:  # "<name> missing" or "<name> ambiguous"
            answers.append(None)
    replies = iter(answers)
    return [next(replies) if name is not None else None for name in names]


def work_tree_base(root: Path, own: Path | None = None) -> str | None:
    """What a check run in ``root`` ran on: HEAD's short SHA, with ``-dirty`` appended when
    the work tree had uncommitted changes (untracked files included, ignored ones not)
    outside ``own`` (sddkit's own records, which do not change what a check sees). None
    outside git or before the first commit. Follows ``git describe --dirty``'s spelling.
    """
    top = _toplevel(root)
    if top is None:
        return None
    head = _run_git(top, "rev-parse", "--short=7", "--verify", "-q", "HEAD")
    sha = head.decode().strip() if head else ""
    if not sha:
        return None
    spec = ["--", "."]
    if own is not None:
        try:
            spec.append(f":(exclude){own.resolve().relative_to(top).as_posix()}")
        except ValueError:
            pass
    status = _run_git(top, "status", "--porcelain", "-z", *spec)
    return f"{sha}-dirty" if status else sha


def commits_with_trailer(root: Path, key: str, value: str) -> list[tuple[str, str, str]] | None:
    """Commits whose message carries the trailer ``KEY: VALUE`` (as ``git interpret-trailers``
    reads trailers), newest first: (full SHA, committer date ISO 8601, subject). None outside
    git or before the first commit."""
    top = _toplevel(root)
    if top is None:
        return None
    out = _run_git(top, "log", "-z", "-F", f"--grep={key}: {value}",
                   f"--format=%H%x1f%cI%x1f%s%x1f%(trailers:key={key},valueonly,separator=%x1e)")
    if out is None:
        return None
    found = []
    for record in out.decode("utf-8", "replace").split("\0"):
        parts = record.strip("\n").split("\x1f")
        if len(parts) != 4:
            continue
        sha, date, subject, trailers = parts
        if value in (t.strip() for t in trailers.split("\x1e")):
            found.append((sha, date, subject))
    return found


def modified_files(root: Path, under: str) -> set[str] | None:
    """Files under ``under`` (relative to ``root``) that differ from git's index: modified,
    deleted or of another type, as ``git diff-files`` reports them (git compares its stat
    data in C and re-reads racily clean files). Paths relative to ``root``, POSIX. None when
    git cannot answer (git missing, not a work tree), or could not look at a file: it says
    so on stderr and leaves the file out, as if it were clean (a folder without read
    permission), so the caller must look at the files itself."""
    return modified_files_later(root, under)()


def modified_files_later(root: Path, under: str) -> Callable[[], set[str] | None]:
    """:func:`modified_files`, started now: git looks at the files while the caller does
    other work (on two cores, the two overlap); the returned function waits for git and
    gives its answer (call it once). Started with :mod:`sddkit.io.spawn`, which spares
    ``sdd next`` the import of :mod:`subprocess` before git can start."""
    from sddkit.io import spawn

    finish = spawn.start(["git", "-C", str(root), "-c", "core.quotepath=off", *FULL_STAT,
                          "diff-files", "--relative", "--name-only", "-z", "--", under])
    if finish is None:
        return lambda: None

    def answer() -> set[str] | None:
        code, out, err = finish()
        if code != 0 or err.strip():
            return None
        return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}

    return answer


def index_listing(root: Path, under: str) -> bytes | None:
    """What ``git ls-files -s -v -z -- UNDER`` prints in ``root``: git's index entries under
    ``under`` (tag, mode, blob id, stage, path), as bytes; None when git cannot answer."""
    return _run_git(root, "ls-files", "-s", "-v", "-z", "--", under)


def blobs_in_listing(out: bytes) -> dict[str, str]:
    """Path (relative to the root, POSIX) -> blob id of every regular file in an
    :func:`index_listing` answer: stage 0 only, and not marked assume-unchanged or
    skip-worktree (git does not compare those with the disk)."""
    found: dict[str, str] = {}
    for entry in out.split(b"\0"):
        meta, _tab, name = entry.partition(b"\t")
        parts = meta.split()
        # "<tag> <mode> <blob> <stage>"; tag H: cached, compared with the disk
        if len(parts) == 4 and parts[0] == b"H" and parts[3] == b"0" \
                and parts[1] in (b"100644", b"100755"):
            found[name.decode("utf-8", "surrogateescape")] = parts[2].decode()
    return found


def author_identity(root: Path) -> tuple[str, str] | None:
    """(name, email) git would record as the author of a commit made here now (it honours
    ``GIT_AUTHOR_NAME``/``GIT_AUTHOR_EMAIL`` and the configuration); None outside git or
    when git has no identity."""
    out = _run_git(root, "var", "GIT_AUTHOR_IDENT")
    if out is None:
        return None
    text = out.decode("utf-8", "replace").strip()
    name, sep, rest = text.partition(" <")
    if not sep:
        return None
    return name.strip(), rest.partition(">")[0].strip()


def commit_files(root: Path, paths: list[Path], message: str, sign: bool = False) -> str:
    """Commit exactly ``paths`` (other staged changes stay staged), signed with ``git commit
    -S`` when ``sign`` (the user's signing setup: GPG, or SSH with ``gpg.format=ssh``); the
    new commit's SHA. Raises :class:`SddkitError` with git's last line when git cannot sign
    or commit (no key, a locked key, no repository)."""
    import subprocess

    top = _toplevel(root)
    if top is None:
        raise SddkitError("committing an approval needs a git repository", root)
    rels = [p.resolve().relative_to(top).as_posix() for p in paths]
    sign_flag = ["-S"] if sign else []
    for args in (["add", "--", *rels], ["commit", *sign_flag, "-q", "-m", message, "--only", "--", *rels]):
        done = subprocess.run(["git", *args], cwd=top, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise SddkitError(f"git {args[0]} failed: {detail[-1] if detail else 'no output'}", root)
    out = _run_git(top, "rev-parse", "HEAD")
    return out.decode().strip() if out else ""


#: How much of ``git log -p``'s output :func:`log_patches` reads at a time, in bytes.
LOG_PIECE = 1 << 20


def log_patches(root: Path, under: Path, regex: str, since: str | None,
                feed: Callable[[str, bytes], None]) -> str | None:
    """``git log -p -U0 -G REGEX`` over ``under``, read as git writes it: every commit whose
    diff adds or removes a line matching the extended ``regex``, newest first, each
    introduced by ``\\x00SHA\\x1fAUTHOR\\x1fEMAIL\\x1fDATE`` and followed by its
    zero-context patch; with ``since``, only the commits after it (``since..HEAD``).
    ``feed`` gets (``under`` relative to the top level, POSIX; a piece of the output), the
    pieces each cut right before a ``\\x00`` or a
    ``\\ndiff --git `` (never inside a UTF-8 sequence, a line or a file's patch): at
    10,000 projects the first commit's patch is over 100 MB, never held whole. Returns
    that relative path; None outside git, before the first commit or when git fails (then
    what was fed is to be dropped)."""
    import subprocess

    scoped = _scope(root, under)
    if scoped is None:
        return None
    top, scope = scoped
    revisions = [f"{since}..HEAD"] if since else []
    # the patch's form pinned against the user's configuration (diff.noprefix, mnemonic or
    # custom prefixes, a textconv driver, a log output encoding): the parse reads "+++ b/"
    args = ["git", *PINNED, "log", "-p", "-U0", "--no-color",
            "--no-renames", "--no-ext-diff", "--no-textconv", "--src-prefix=a/",
            "--dst-prefix=b/", "--encoding=UTF-8", f"-G{regex}",
            "--format=%x00%H%x1f%an%x1f%ae%x1f%aI", *revisions, "--", scope]
    try:
        process = subprocess.Popen(args, cwd=top, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
    except OSError:
        return None
    assert process.stdout is not None
    with process:
        rest = b""
        while True:
            chunk = process.stdout.read1(LOG_PIECE)
            if not chunk:
                break
            start = max(0, len(rest) - 12)  # a cut begins in what came before at most so far
            rest += chunk
            cut = max(rest.rfind(b"\x00", start), rest.rfind(b"\ndiff --git ", start))
            if cut > 0:
                feed(scope, rest[:cut])
                rest = rest[cut:]
        if rest:
            feed(scope, rest)
    return scope if process.returncode == 0 else None


def head_commit(root: Path) -> str | None:
    """The full SHA of HEAD without GitPython (one quick process); None outside git or
    before the first commit."""
    out = _run_git(root, "rev-parse", "--verify", "-q", "HEAD")
    text = out.decode().strip() if out is not None else ""
    return text or None


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    """Whether commit ``older`` is an ancestor of (or is) ``newer``."""
    return _run_git(root, "merge-base", "--is-ancestor", older, newer) is not None


def extends_in_line(root: Path, older: str, newer: str) -> bool:
    """Whether ``newer`` is ``older`` or descends from it through commits of one parent each
    (no merge). Then ``git log newer`` lists ``older..newer`` and then what ``git log
    older`` lists, in that order; a merge brings in a branch whose commits ``git log``
    places among the older ones by date."""
    if not is_ancestor(root, older, newer):
        return False
    out = _run_git(root, "rev-list", "--count", "--min-parents=2", f"{older}..{newer}")
    return out is not None and out.strip() == b"0"


def is_shallow(root: Path) -> bool:
    """Whether this clone has only part of the history (``git clone --depth``)."""
    out = _run_git(root, "rev-parse", "--is-shallow-repository")
    return out is not None and out.strip() == b"true"


def verify_commit(root: Path, sha: str) -> tuple[bool, str]:
    """``git verify-commit SHA``: (good signature, git's last line of explanation)."""
    import subprocess

    try:
        done = subprocess.run(["git", "verify-commit", sha], cwd=root, capture_output=True,
                              text=True, check=False)
    except OSError as exc:
        return False, str(exc)
    lines = (done.stderr or done.stdout).strip().splitlines()
    return done.returncode == 0, lines[-1] if lines else ("no signature" if done.returncode else "")
