# eth0: v86's fetch adapter plays the router at .1 (emulator/vm/guest-network.ts has the same addresses).
# Static, not DHCP: no exchange with the worker delays the prompt after a cold boot.
ip link set eth0 up 2>/dev/null &&
  ip addr add 192.168.86.100/24 dev eth0 &&
  ip route add default via 192.168.86.1 ||
  echo "init: no eth0, the guest has no network" >&2
echo 'nameserver 192.168.86.1' >/etc/resolv.conf
# The guest routes between container networks and eth0, as a Docker host does.
echo 1 >/proc/sys/net/ipv4/ip_forward
