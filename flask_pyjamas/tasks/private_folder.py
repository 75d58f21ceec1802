"""Folders only their owner can use: the instance folder (embedded broker, results).

Whoever reads the instance folder reads every task's arguments and results and the task ids
(all it takes to call ``get_result`` or ``cancel``); whoever writes it injects tasks that
the workers run, past every limit of the API, or plants symlinks that the workers write
through. So :func:`secure_folder`, called by the server and the workers at start:

* creates the folder, and any missing parent, for the owner only (0700, whatever the umask);
* refuses, as ssh refuses a loose key, a folder that belongs to another user or that other
  users may write, a folder under a parent they may swap it in (writable by others without
  the sticky bit, or owned by another user than this one or root), and anything inside that
  is a symbolic link or belongs to another user;
* takes back for the owner (0700 folders, 0600 files) what an earlier run left open inside.

A refusal is a :class:`PrivateFolderError`, one line that says what to do.
"""

import os
import stat
from pathlib import Path

from flask_pyjamas.settings import SettingError

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class PrivateFolderError(SettingError):
    """A folder that others could read or change: the server and the workers refuse to
    start with it."""


def secure_folder(path) -> Path:
    """Make sure ``path`` is a folder only this process's user can use (creating it, and its
    missing parents, with mode 0700), holding no symbolic link and nothing of another user;
    returns it. Raises :class:`PrivateFolderError` otherwise."""
    folder = Path(os.path.abspath(path))
    missing = []
    existing = folder
    while not os.path.lexists(existing):
        missing.append(existing)
        existing = existing.parent
    # the folder's parents (those that exist): none may let another user swap the folder
    for parent in [*existing.parents, *([existing] if missing else [])]:
        _check_parent(parent, folder)
    for new in reversed(missing):
        try:
            new.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            pass  # another process of ours (a worker starting beside the server) made it
        _check_own(new, folder)
        os.chmod(new, FOLDER_MODE)  # whatever the umask took away or left
    _check_own(folder, folder)
    _take_back(folder)
    return folder


def create_private_file(path) -> int:
    """Open a new file ``path`` for writing, readable by its owner only; never through an
    existing file or symbolic link of that name. Returns the file descriptor."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                   FILE_MODE)


def _owner_name(uid: int) -> str:
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def _refuse(folder: Path, what: str, fix: str):
    raise PrivateFolderError(
        f"refusing the private folder {folder}: {what}; {fix} (it holds the tasks and their "
        "results, for this user only)")


def _check_parent(parent: Path, folder: Path) -> None:
    """A parent of the folder: no one but this user or root may swap the folder."""
    info = os.stat(parent)
    if info.st_uid not in (os.geteuid(), 0):
        _refuse(folder, f"its parent {parent} belongs to {_owner_name(info.st_uid)}",
                "use a folder under one of your own")
    if info.st_mode & stat.S_IWOTH and not info.st_mode & stat.S_ISVTX:
        _refuse(folder, f"its parent {parent} is writable by every user "
                f"(mode {stat.S_IMODE(info.st_mode):04o}, no sticky bit)",
                f"chmod o-w {parent}, or use a folder under one of your own")


def _check_own(path: Path, folder: Path, inside: bool = False) -> os.stat_result:
    """``path`` (the folder, or with ``inside`` something in it) is this user's, no symbolic
    link, and (the folder) no one else may write it. What is inside a folder no one else
    may write is made private, not refused, whatever its mode."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        _refuse(folder, f"{path} is a symbolic link (to {os.readlink(path)})",
                f"remove it (rm {path}): someone may have planted it")
    if info.st_uid != os.geteuid():
        _refuse(folder, f"{path} belongs to {_owner_name(info.st_uid)}, not to this "
                f"process's user {_owner_name(os.geteuid())}",
                "remove it, or run the server and the workers as its owner")
    if not inside and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        _refuse(folder, f"{path} is writable by other users "
                f"(mode {stat.S_IMODE(info.st_mode):04o})",
                f"check what is in it, then chmod 700 {path}")
    if not stat.S_ISDIR(info.st_mode) and path == folder:
        _refuse(folder, "it is not a folder", "remove it or choose another path")
    return info


def _take_back(folder: Path) -> None:
    """Check everything in ``folder`` and make it the owner's only."""
    os.chmod(folder, FOLDER_MODE)
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(root, name)
            try:
                info = _check_own(path, folder, inside=True)
            except FileNotFoundError:
                continue  # a message taken by a worker meanwhile
            wanted = FOLDER_MODE if stat.S_ISDIR(info.st_mode) else FILE_MODE
            if stat.S_IMODE(info.st_mode) & ~wanted:
                try:
                    os.chmod(path, stat.S_IMODE(info.st_mode) & wanted)
                except FileNotFoundError:
                    continue
