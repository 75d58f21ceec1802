"""Debian roots made with debootstrap, for the "today's stack" tier (``make test-today``).

:class:`DebianRoot` is a root of one Debian suite with some Debian packages, made once per
machine by ``scripts/debian-root.sh`` under ``/var/cache/flaskexamples/roots/`` (or
``$FLASKEXAMPLES_ROOTS``) and reused while it holds the same packages. :meth:`DebianRoot.open`
mounts what its programs need (``/proc``: RabbitMQ; a tmpfs on ``/dev/shm``: the POSIX
semaphores of Celery's prefork pool) and copies this repository into it;
:meth:`DebianRoot.run` runs a shell command inside with ``chroot``. Programs in the root
share the host's network, loopback included: a server started there is reachable from here.

Not root, or no ``debootstrap``: a skip naming it, or a failure with ``CI=true``.
"""

import os
import shutil
import subprocess
from pathlib import Path

from .processes import REPO_ROOT, require

CACHE = Path(os.environ.get("FLASKEXAMPLES_ROOTS", "/var/cache/flaskexamples/roots"))
MAKE_ROOT = REPO_ROOT / "scripts" / "debian-root.sh"
SOURCE = "/srv/flaskexamples"  # where the root holds its copy of this repository
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Left out of the copy: the host's virtual environment and build products.
NOT_COPIED = (".git", ".venv", "output", "__target__", "__pycache__", "instance", "_build",
              "*.egg-info", ".pytest_cache", ".ruff_cache", ".hypothesis")


def require_debootstrap() -> None:
    require(os.geteuid() == 0, "the today's-stack tier needs root (debootstrap, chroot, mount)")
    require(shutil.which("debootstrap") is not None,
            "debootstrap is not installed (apt-get install -y debootstrap)")


class DebianRoot:
    """The root of Debian ``suite`` with ``packages``, at ``CACHE/<name>``."""

    def __init__(self, suite: str, packages=(), name: str | None = None):
        self.suite, self.packages = suite, tuple(packages)
        self.path = CACHE / (name or suite)
        self._mounted: list[Path] = []

    def make(self, timeout: float = 1200) -> None:
        """Make the root, unless it is already there with the same packages."""
        result = subprocess.run(["bash", str(MAKE_ROOT), self.suite, str(self.path),
                                 *self.packages], capture_output=True, text=True,
                                timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{MAKE_ROOT.name} {self.suite} failed:\n{result.stderr}")

    def open(self) -> "DebianRoot":
        """:meth:`make`, mount ``/proc`` and ``/dev/shm``, copy the repository in."""
        self.make()
        self._mount(["-t", "proc", "proc"], "proc")
        self._mount(["-t", "tmpfs", "-o", "mode=1777,size=256m", "shm"], "dev/shm")
        self.copy_repository()
        return self

    def close(self) -> None:
        while self._mounted:
            subprocess.run(["umount", "--lazy", str(self._mounted.pop())], check=False)

    def _mount(self, args: list[str], where: str) -> None:
        target = self.path / where
        target.mkdir(parents=True, exist_ok=True)
        if subprocess.run(["mountpoint", "-q", str(target)]).returncode == 0:
            return  # left mounted by an earlier run that was killed: use it
        subprocess.run(["mount", *args, str(target)], check=True)
        self._mounted.append(target)

    def copy_repository(self, where: str = SOURCE, owner: str | None = None) -> Path:
        """A fresh copy of this repository (its sources, not .venv or outputs) at ``where``
        in the root, owned by ``owner`` (a user of the root) if given."""
        target = self.inside(where)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(REPO_ROOT, target, symlinks=True,
                        ignore=shutil.ignore_patterns(*NOT_COPIED))
        if owner:
            uid, gid = self.user_ids(owner)
            for path in (target, *target.rglob("*")):
                os.lchown(path, uid, gid)
        return target

    def inside(self, path: str) -> Path:
        """The host's path of ``path`` in the root."""
        return self.path / path.lstrip("/")

    def user_ids(self, user: str) -> tuple[int, int]:
        """``user``'s uid and gid in the root (from its own /etc/passwd)."""
        for line in self.inside("/etc/passwd").read_text().splitlines():
            fields = line.split(":")
            if fields[0] == user:
                return int(fields[2]), int(fields[3])
        raise KeyError(f"no user {user} in {self.path}")

    def command(self, script: str, env=None, user: str = "root", cwd: str = SOURCE) -> list[str]:
        """The host command that runs the shell ``script`` in the root as ``user``, in a clean
        environment (``env`` added), in ``cwd`` (the repository's copy)."""
        home = "/root" if user == "root" else f"/home/{user}"
        variables = {"HOME": home, "USER": user, "PATH": PATH, "LANG": "C.UTF-8",
                     "PYTHONUNBUFFERED": "1", **(env or {})}
        if "CI" in os.environ:
            variables.setdefault("CI", os.environ["CI"])
        prefix = ["chroot"]
        if user != "root":
            uid, gid = self.user_ids(user)
            prefix.append(f"--userspec={uid}:{gid}")
        return [*prefix, str(self.path), "env", "-i",
                *(f"{name}={value}" for name, value in variables.items()),
                "bash", "-c", f"cd {cwd} && {script}"]

    def run(self, script: str, env=None, user: str = "root", cwd: str = SOURCE,
            timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``script`` (see :meth:`command`); its output (stdout and stderr together).
        ``check``: a non-zero exit is an AssertionError showing the output's end."""
        result = subprocess.run(self.command(script, env, user, cwd), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, timeout=timeout)
        if check:
            assert result.returncode == 0, (
                f"in the {self.suite} root, `{script}` exited with {result.returncode}:\n"
                f"{result.stdout[-6000:]}")
        return result

    def package_version(self, package: str) -> str:
        """The version of a Debian package installed in the root."""
        return subprocess.run(["chroot", str(self.path), "dpkg-query", "-W", "-f=${Version}",
                               package], capture_output=True, text=True, check=True).stdout
