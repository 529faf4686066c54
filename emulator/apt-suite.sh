#!/usr/bin/env bash
# Runs apt-get or apt-cache against another Debian release's i386 archive (e.g. trixie) with its own lists in
# emulator/.apt-suites/SUITE, so a build can take one package from a newer release without adding that release to
# this machine's apt sources (where it would offer upgrades for everything). Signatures are checked with Debian's
# archive keyring, as for the machine's own sources.
# Usage: emulator/apt-suite.sh SUITE apt-get|apt-cache ARGS...
# The lists are fetched on first use and again when older than a day (a point release moves versions).
set -euo pipefail

suite=${1:?usage: apt-suite.sh SUITE apt-get|apt-cache ARGS...}
tool=${2:?usage: apt-suite.sh SUITE apt-get|apt-cache ARGS...}
shift 2
case $tool in
  apt-get | apt-cache) ;;
  *) echo "apt-suite.sh: '$tool' is not apt-get or apt-cache" >&2; exit 2 ;;
esac
[[ $suite =~ ^[a-z]+(-[a-z]+)?$ ]] || { echo "apt-suite.sh: '$suite' is not a Debian suite name" >&2; exit 2; }

state=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.apt-suites/$suite
mkdir -p "$state/sources.list.d" "$state/lists/partial" "$state/cache/archives/partial"
cat >"$state/sources.list.d/$suite.sources" <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Architectures: i386
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

opts=(
  -o "Dir::Etc::SourceList=/dev/null"
  -o "Dir::Etc::SourceParts=$state/sources.list.d"
  -o "Dir::State::Lists=$state/lists"
  -o "Dir::Cache=$state/cache"
  -o "APT::Architectures::=i386"
)

release=$(find "$state/lists" -maxdepth 1 -name '*_InRelease' -mmin -1440 | head -n1)
if [[ -z $release ]]; then
  apt-get "${opts[@]}" -q update >&2
fi
exec "$tool" "${opts[@]}" "$@"
