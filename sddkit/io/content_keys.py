"""The content key of every phase document under ``sdd/assets/``, at the cost of one git call.

A listing command (``next``, ``status``, ``open sdd``, the inventory after a write) needs
each project's row, and a row is valid while the project's four documents hold the same
bytes. Knowing that for 40,000 files by ``lstat`` alone costs more than the rest of the
command, and a stat signature does not survive a clone or a checkout. So:

- **Tracked files git reports clean.** ``git diff-files`` (one process; git compares its
  index's stat data with the files in C, fully whatever its configuration loosens:
  :data:`sddkit.io.git.FULL_STAT`, and re-reads "racily clean" ones) lists the
  documents that differ from the index; every other tracked document's content key is its
  blob id in the index (``git ls-files -s``). That listing is asked again only when the
  index file changed since the last run (a commit, a checkout, ``git add``, a stash);
  that run lets git refresh its index (:mod:`sddkit.io.index_refresh`), so the next
  ``git diff-files`` need not read "racily clean" files again.
- **Everything else** (untracked, modified, no git at all): the file's stat signature, or,
  when it differs from the recorded one, the blob id of its bytes. A signature is recorded
  only when the file is older than two seconds (:data:`sddkit.io.cache.RACY_NS`); a racy file
  is hashed again on every run, never trusted.
- **Missing documents** (a draft project has no ``tasks.md`` yet): the project folder's
  signature; a file appearing in it changes it.

Entries never outlive the bytes they describe, whatever the timestamps say: a hand edit of
the same size and mtime, a ``git checkout``, a ``git stash pop`` all give new keys
(``tests/test_cache.py`` proves each), except what git itself cannot see: a tracked file
rewritten with the same size and its mtime put back within the second of its previous
change (git compares whole seconds). The records live in the ``rows`` cache file.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Any

from sddkit.io import cache, shared_rows
from sddkit.workspace import PHASES

#: Record of one project in the rows file: (keys, doc signatures, folder signature, row).
#: A doc signature is None when git vouched for the key (tracked and clean), a stat
#: signature when the key came from hashing the file, or False for a racy file.
Record = tuple[tuple[Any, ...], tuple[Any, ...], Any, tuple[Any, ...]]

_snapshots: dict[tuple[Path, Path], Snapshot] = {}
#: ``git diff-files`` already asked in this command (see :func:`prefetch_git`), by (root,
#: assets relative to it): the first snapshot of that tree takes it instead of asking again.
_prefetched: dict[tuple[Path, str], Any] = {}
_INDEX = "\0index"  # the rows file's entry for git's index signature (never a project name)


def prefetch_git(root: Path, rel: str, answer: Any) -> None:
    """Hand the listing that follows in this command what ``git diff-files`` under ``rel``
    says (``answer()`` gives it; see :func:`sddkit.io.git.modified_files_later`): asked
    once, a moment earlier in the same command. Dropped at the end of the command."""
    _prefetched[(root.absolute(), rel)] = answer


class Uncacheable(Exception):
    """A document is not a regular file (a symlink, a folder): load it the slow way."""


class Snapshot:
    """Content keys of the documents under ``assets`` for one run (see the module doc)."""

    def __init__(self, root: Path, assets: Path) -> None:
        self.root = root
        self.assets = assets
        try:
            self.assets_rel = assets.relative_to(root).as_posix()
        except ValueError:
            self.assets_rel = ""
        self.rows = cache.for_root(root, "rows")
        self._git: tuple[set[str], bool] | None = None  # (dirty paths, index changed)
        self._pending_git: Any = None  # git diff-files, started (see :meth:`trusted_rows`)
        self.index_seen: Any = None  # git's index signature when git was asked
        self._new_index: Any = None  # the index signature, when it changed (see :meth:`listed`)
        self._refresh: Any = None  # git's index refresh (see :meth:`listed`)
        self._tracked: dict[str, str] | None = None
        self._listing: bytes | None = None  # what git listed for ``_tracked``
        self.keys: dict[str, tuple[Any, ...]] = {}
        self._sigs: dict[str, tuple[Any, ...]] = {}
        #: Project folder -> its stat signature, None when it cannot be read, False when
        #: it was racy when looked at (judged then: by the time a cold run keeps its answer,
        #: seconds later, a folder changed just before the look would seem old enough).
        self._folders: dict[str, Any] = {}
        #: Project folder -> (its signature, when it was taken: ns) for those racy then, so
        #: that :meth:`recorded_files` can tell whether they settled (:func:`cache.settled`).
        self._racy_folders: dict[str, tuple[Any, int]] = {}
        #: Projects with a document that is not a regular file (:class:`Uncacheable`): read
        #: the slow way, through a link whose target no signature here covers.
        self._unkeyed: set[str] = set()

    # --- what git says ---------------------------------------------------------------------
    def _index_signature(self) -> Any:
        return cache.index_signature(self.root)

    def _git_state(self) -> tuple[set[str], bool]:
        """(documents that differ from git's index, whether the index changed since the
        records were made). Outside git: (nothing, True), and every key comes from a stat."""
        if self._git is None:
            from sddkit.io import git

            dirty: set[str] | None = None
            if self._pending_git is None:
                self._pending_git = _prefetched.pop((self.root, self.assets_rel), None)
            if self._pending_git is not None:
                dirty = self._pending_git()
            elif self.assets_rel and cache.git_dir(self.root) is not None:
                dirty = git.modified_files(self.root, self.assets_rel)
            self._pending_git = None
            if dirty is None:
                self._tracked = {}
                self._git = (set(), True)
            else:
                assert self.rows is not None
                index = self.index_seen = self._index_signature()
                changed = index is None or self.rows.get(_INDEX) != index
                if changed:  # stored by :meth:`listed`, once every record was keyed again
                    self._new_index = index
                self._git = (dirty, changed)
        return self._git

    def listed(self, broken: list[str]) -> None:
        """Every project folder was keyed in this run (a listing), and ``broken`` (names)
        could not be read. Records git vouched for are valid under the index they were
        keyed with: only now, with each record keyed again or dropped (a broken project's
        record is of other bytes), is the new index stored. A run that keyed a few
        projects (``sdd check NAME``) leaves the others' records unconfirmed, so it must
        not store it. When git refreshed its index meanwhile (:mod:`sddkit.io.index_refresh`,
        begun by :meth:`trusted_rows`, started when due by :meth:`row`) and the records
        hold under the index it wrote, that index is stored (and is the one the ``sdd
        next`` answer kept after this listing rests on), else the one they were keyed
        under."""
        assert self.rows is not None
        for name in broken:
            self.rows.pop(name)
        if self._new_index is not None:
            index, refresh, self._refresh = self._new_index, self._refresh, None
            if refresh is not None and self._git is not None and self._listing is not None:
                found = refresh.settled(self._listing, self._git[0])
                if found is not None:  # the answer kept after the listing rests on it
                    index = self.index_seen = found[0]
                    self._git = (found[1], True)
            self.rows.append(_INDEX, index)
            self._new_index = None

    def _tracked_blobs(self) -> dict[str, str]:
        if self._tracked is None:
            from sddkit.io import git

            listing = git.index_listing(self.root, self.assets_rel)
            self._tracked = {} if listing is None else git.blobs_in_listing(listing)
            # kept only for a refresh to compare with (3 MB at 10,000 projects: a warm
            # ``sdd check``, which starts none, stays under its 80 MiB)
            self._listing = listing if self._refresh is not None else None
        return self._tracked

    def trusted_rows(self, names: list[str]) -> dict[str, tuple[Any, ...]]:
        """The recorded rows of ``names`` that git vouches for without a look at their files:
        the index is the one the records were made under, no document of the project is
        among those git reports changed, every document's key came from the index, and
        a missing document's folder is unchanged (one ``lstat``). The answer
        :meth:`row` gives for these, at a fraction of its cost; others are left out."""
        assert self.rows is not None
        if self._git is None and self._pending_git is None:
            self._pending_git = _prefetched.pop((self.root, self.assets_rel), None)
        if self._git is None and self._pending_git is None and self.assets_rel \
                and cache.git_dir(self.root) is not None:
            from sddkit.io import git

            self._pending_git = git.modified_files_later(self.root, self.assets_rel)
        entries = self.rows.entries  # read while git looks at the files
        if self._refresh is None and self.assets_rel \
                and (self._git is None or self._new_index is not None):
            index = self._index_signature()
            if index is not None and entries.get(_INDEX) != index:
                from sddkit.io import index_refresh

                # every project is keyed again: git refreshes its index meanwhile
                self._refresh = index_refresh.Refresh(self.root, self.assets_rel, index)
        dirty, index_changed = self._git_state()
        if index_changed:
            return {}
        touched = {path.rsplit("/", 2)[-2] for path in dirty if path.count("/") >= 2}
        assets = str(self.assets)
        out: dict[str, tuple[Any, ...]] = {}
        for name in names:
            rec = entries.get(name)
            if name in touched or not isinstance(rec, tuple) or len(rec) != 4:
                continue
            keys, sigs, folder, row = rec
            if len(keys) != len(PHASES) or any(s is not None for s in sigs):
                continue
            if None in keys:
                if folder is None:
                    continue
                try:
                    if cache.signature(os.lstat(f"{assets}/{name}")) != folder:
                        continue
                except OSError:
                    continue
                self._folders[name] = folder
            self.keys[name] = keys
            self._sigs[name] = sigs
            out[name] = row
        return out

    def recorded_files(self, entries: list[str]) -> tuple[set[str], list[tuple[str, Any]]] | None:
        """(the documents git reported changed, (path relative to ``assets``, stat
        signature) of every file this run's keys rest on that git did not vouch for) for the
        folder ``entries`` of ``assets``: a project read through the keys gives its hashed
        documents and, with a document missing, its folder; any other entry gives its own
        signature. None when that cannot be said exactly: a racy file, a symbolic link (a
        linked document too: an edit of its target changes no signature here), git not
        asked."""
        if self._git is None:
            return None
        dirty, _changed = self._git
        files: list[tuple[str, Any]] = []
        assets = str(self.assets)
        for name in entries:
            if name in self._unkeyed:
                return None
            keys, sigs = self.keys.get(name), self._sigs.get(name)
            if keys is None or sigs is None:
                try:
                    st = os.lstat(f"{assets}/{name}")
                except OSError:
                    return None
                sig = cache.signature(st)
                if stat.S_ISLNK(st.st_mode) or cache.racy(sig):
                    return None
                files.append((name, sig))
                continue
            if None in keys:
                folder = self._folders.get(name) or self._settled_folder(name)
                if not folder:  # unreadable, or racy when looked at and not settled since
                    return None
                files.append((name, folder))
            for phase, key, sig in zip(PHASES, keys, sigs):
                if sig is False or (sig is None and key is not None
                                    and f"{self.assets_rel}/{name}/{phase}.md" in dirty):
                    return None
                if sig is not None:
                    files.append((f"{name}/{phase}.md", sig))
        return dirty, files

    # --- keys --------------------------------------------------------------------------------
    def ask_git(self) -> None:
        """Have git's answers now (the documents it reports changed; its index listing when
        the records cannot be trusted): a process about to fork a child that keys
        projects (:mod:`sddkit.io.two_cores`) asks once for both."""
        _dirty, index_changed = self._git_state()
        if index_changed:
            self._tracked_blobs()

    def keyed(self, names: list[str]) -> list[tuple[Any, ...]]:
        """What this run learnt keying ``names``: (name, keys, doc signatures, the folder's
        look or (), the racy folder look or ()) for each one keyed; a child's answer to its
        parent (:meth:`adopt`)."""
        out = []
        for name in names:
            keys = self.keys.get(name)
            if keys is not None:
                folder = (self._folders[name],) if name in self._folders else ()
                out.append((name, keys, self._sigs[name], folder,
                            self._racy_folders.get(name, ())))
        return out

    def adopt(self, keyed: list[tuple[Any, ...]]) -> None:
        """Take in what a child that shares this run's git answers learnt keying its
        projects (:meth:`keyed`), for those not keyed here: the keys it read the documents
        under, and the folder looks a kept ``sdd next`` answer rests on
        (:meth:`recorded_files`)."""
        for name, keys, sigs, folder, racy_look in keyed:
            if name in self.keys:
                continue
            self.keys[name] = tuple(keys)
            self._sigs[name] = tuple(sigs)
            if folder:
                self._folders[name] = folder[0]
            if racy_look:
                self._racy_folders[name] = (racy_look[0], racy_look[1])

    def _folder_sig(self, name: str) -> Any:
        if name not in self._folders:
            taken = time.time_ns()
            try:
                sig = cache.signature(os.lstat(f"{self.assets}/{name}"))
            except OSError:
                sig = None
            self._folders[name] = False if sig is not None and cache.racy(sig, taken) else sig
            if self._folders[name] is False:
                self._racy_folders[name] = (sig, taken)
        return self._folders[name]

    def _settled_folder(self, name: str) -> Any:
        """The folder's signature now, when it was racy when looked at and has settled
        since (:func:`sddkit.io.cache.settled`); else None."""
        then = self._racy_folders.get(name)
        if then is None:
            return None
        try:
            now = cache.signature(os.lstat(f"{self.assets}/{name}"))
        except OSError:
            return None
        return now if cache.settled(then[0], then[1], now) else None

    def record(self, name: str) -> Record | None:
        assert self.rows is not None
        rec = self.rows.get(name)
        if isinstance(rec, tuple) and len(rec) == 4 and len(rec[0]) == len(PHASES):
            return rec  # type: ignore[return-value]
        return None

    def project_keys(self, name: str) -> tuple[Any, ...]:
        """The content key of each of the project's documents (None for a missing one).

        Raises :class:`Uncacheable` for a document that is not a regular file."""
        found = self.keys.get(name)
        if found is not None:
            return found
        dirty, index_changed = self._git_state()
        rec = self.record(name)
        trust_record = rec is not None and not index_changed
        tracked = None if trust_record else self._tracked_blobs()
        base = f"{self.assets_rel}/{name}/"
        if (rec is None or None in rec[0]) and (tracked is None or any(
                f"{base}{phase}.md" in dirty or f"{base}{phase}.md" not in tracked
                for phase in PHASES)):
            # before the documents: a file added meanwhile changes it (not needed when
            # git's index names all four, unchanged: no document is looked for)
            self._folder_sig(name)
        keys: list[Any] = []
        sigs: list[Any] = []
        for position, phase in enumerate(PHASES):
            rel = f"{base}{phase}.md"
            if rel not in dirty:
                if tracked is not None:
                    blob = tracked.get(rel)
                elif rec is not None and rec[1][position] is None:
                    blob = rec[0][position]  # git vouched for it and the index is the same
                else:
                    blob = None
                if blob is not None:
                    keys.append(blob)
                    sigs.append(None)
                    continue
            try:
                key, sig = self._stat_key(name, phase, position, rec)
            except Uncacheable:
                self._unkeyed.add(name)
                raise
            keys.append(key)
            sigs.append(sig)
        self.keys[name] = out = tuple(keys)
        self._sigs[name] = tuple(sigs)
        return out

    def _stat_key(self, name: str, phase: str, position: int, rec: Record | None
                  ) -> tuple[Any, Any]:
        if rec is not None and rec[0][position] is None and rec[2] is not None \
                and self._folder_sig(name) == rec[2]:
            return None, None  # missing then, and nothing was added to the folder since
        file = self.assets / name / f"{phase}.md"
        try:
            st = os.lstat(file)
        except (FileNotFoundError, NotADirectoryError):
            return None, None
        if not stat.S_ISREG(st.st_mode):
            raise Uncacheable(file)
        sig = cache.signature(st)
        if rec is not None and rec[1][position] == sig and rec[0][position] is not None:
            return rec[0][position], sig
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise Uncacheable(file) from exc
        return cache.blob_id(data), (False if cache.racy(sig) else sig)

    # --- rows --------------------------------------------------------------------------------
    def row(self, name: str) -> tuple[Any, ...] | None:
        """The cached row of ``name`` (its record: values in field order) if its documents are unchanged."""
        if self._refresh is not None:
            self._refresh.poll()
        keys = self.project_keys(name)
        rec = self.record(name)
        if rec is not None and rec[0] == keys:
            if rec[1] != self._sigs[name] or (rec[2] is None and None in keys):
                # same bytes, new signatures (or the folder's, not known then): remember them
                self._remember(name, rec[3])
            return rec[3]
        found = shared_rows.get(name, keys)
        if found is not None:
            self._remember(name, found)
        return found

    def put_row(self, name: str, row: tuple[Any, ...]) -> None:
        """Record ``row`` for the documents :meth:`row` just keyed."""
        if name in self.keys:
            self._remember(name, row)
            shared_rows.put(name, self.keys[name], row)

    def put_staged_row(self, name: str, texts: dict[str, str | None], row: tuple[Any, ...]
                       ) -> None:
        """Record the row a write computed from ``texts`` (phase -> staged text, None for a
        deleted document) under their content keys, so the next command finds it without
        parsing the files again. Other documents are keyed from the disk."""
        try:
            keys = list(self.project_keys(name))
        except Uncacheable:
            return
        sigs = list(self._sigs[name])
        for position, phase in enumerate(PHASES):
            if phase in texts:
                text = texts[phase]
                keys[position] = None if text is None else cache.blob_id(text.encode("utf-8"))
                sigs[position] = False  # its file is about to change: hash it next time
        self.keys[name] = tuple(keys)
        self._sigs[name] = tuple(sigs)
        self._folders[name] = None
        self._remember(name, row)
        shared_rows.put(name, self.keys[name], row)

    def put_written_row(self, name: str, texts: dict[str, str | None], row: tuple[Any, ...]
                        ) -> None:
        """Record the row a write computed from ``texts`` (phase -> staged text, None for a
        deleted document), keying the project's other documents by hashing them: no git
        call, and the rows file is appended to, not loaded (a write costs what it changed).
        A document that is not a regular file leaves the row unrecorded."""
        assert self.rows is not None
        keys: list[Any] = []
        sigs: list[Any] = []
        for phase in PHASES:
            if phase in texts:
                text = texts[phase]
                keys.append(None if text is None else cache.blob_id(text.encode("utf-8")))
                sigs.append(False)  # its file is about to change: hash it next time
                continue
            file = self.assets / name / f"{phase}.md"
            try:
                st = os.lstat(file)
                if not stat.S_ISREG(st.st_mode):
                    return
                data = file.read_bytes()
            except (FileNotFoundError, NotADirectoryError):
                keys.append(None)
                sigs.append(None)
                continue
            except OSError:
                return
            sig = cache.signature(st)
            keys.append(cache.blob_id(data))
            sigs.append(False if cache.racy(sig) else sig)
        self.keys[name] = tuple(keys)
        self._sigs[name] = tuple(sigs)
        self.rows.append(name, (self.keys[name], self._sigs[name], None, row))
        shared_rows.put(name, self.keys[name], row)

    def _remember(self, name: str, row: tuple[Any, ...]) -> None:
        assert self.rows is not None
        folder = (self._folders.get(name) or None) if None in self.keys[name] else None
        self.rows.append(name, (self.keys[name], self._sigs[name], folder, row))



def for_workspace(root: Path, assets: Path) -> Snapshot | None:
    """This run's snapshot of ``assets`` (None when caching is off)."""
    if not cache.enabled():
        return None
    key = (root.absolute(), assets)
    found = _snapshots.get(key)
    if found is None:
        found = _snapshots[key] = Snapshot(key[0], assets)
    return found


def forget() -> None:
    """Drop this process's snapshots (see :func:`sddkit.io.cache.reset`), once every git
    process they started has ended."""
    import sys

    refresh = sys.modules.get("sddkit.io.index_refresh")
    if refresh is not None:
        refresh.wait()
    _snapshots.clear()
    _prefetched.clear()
    shared_rows.forget()


def forget_tree() -> None:
    """Drop what the snapshots learnt about the files (rows computed stay pending)."""
    _snapshots.clear()
