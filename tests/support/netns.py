"""Another "machine" on this one: a Linux network namespace joined to the root one by a veth
pair, with private addresses of its own (``10.231.N.1/30`` here, ``10.231.N.2/30`` there).

Traffic goes only between the two namespaces: the namespace has no other link and no route
out. Needs root and ``ip`` (Debian's ``iproute2``). :func:`network_namespace` removes the
namespace and the link on exit, also after a failure.
"""

import os
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass

IP = shutil.which("ip") or "/usr/sbin/ip"


def ip(*args: str) -> str:
    return subprocess.run([IP, *args], capture_output=True, text=True, check=True,
                          timeout=30).stdout


def can_create_namespaces() -> bool:
    """Root, ``ip``, and the right to create a namespace (a container may lack it), tried."""
    if os.geteuid() != 0 or not os.path.exists(IP):
        return False
    probe = f"flaskex-probe-{os.getpid()}"
    if subprocess.run([IP, "netns", "add", probe], capture_output=True).returncode != 0:
        return False
    subprocess.run([IP, "netns", "del", probe], capture_output=True)
    return True


@dataclass
class Namespace:
    name: str
    host_link: str  # the veth end in the root namespace
    link: str  # the veth end inside the namespace
    host_address: str  # the root namespace's address on the pair
    address: str  # the namespace's own address

    @property
    def exec_prefix(self) -> tuple[str, ...]:
        """Put before a command to run it inside the namespace."""
        return (IP, "netns", "exec", self.name)

    def link_down(self) -> None:
        """Cut the namespace off: its end of the pair goes down."""
        ip("-n", self.name, "link", "set", self.link, "down")

    def link_up(self) -> None:
        ip("-n", self.name, "link", "set", self.link, "up")


def _free_subnet() -> int:
    """An N for 10.231.N.0/30 that no interface of the root namespace uses."""
    used = ip("-4", "-o", "addr", "show")
    for n in range(os.getpid() % 200 + 1, 255):
        if f" 10.231.{n}." not in used:
            return n
    raise RuntimeError("no free 10.231.N.0/30 subnet")


@contextmanager
def network_namespace():
    """Create a namespace and its veth pair; yield a :class:`Namespace`; remove both."""
    n = _free_subnet()
    ns = Namespace(name=f"flaskex-{os.getpid()}-{n}", host_link=f"fxh{n}", link=f"fxw{n}",
                   host_address=f"10.231.{n}.1", address=f"10.231.{n}.2")
    try:
        ip("netns", "add", ns.name)
        ip("link", "add", ns.host_link, "type", "veth", "peer", "name", ns.link)
        ip("link", "set", ns.link, "netns", ns.name)
        ip("addr", "add", f"{ns.host_address}/30", "dev", ns.host_link)
        ip("link", "set", ns.host_link, "up")
        ip("-n", ns.name, "addr", "add", f"{ns.address}/30", "dev", ns.link)
        ip("-n", ns.name, "link", "set", ns.link, "up")
        ip("-n", ns.name, "link", "set", "lo", "up")
        yield ns
    finally:
        # Deleting one end of a pair deletes both; the namespace may hold the other end.
        subprocess.run([IP, "link", "del", ns.host_link], capture_output=True)
        subprocess.run([IP, "netns", "del", ns.name], capture_output=True)
