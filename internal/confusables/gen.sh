#!/bin/sh
# Regenerates confusables.txt from Unicode's confusables.txt (UTS #39,
# https://www.unicode.org/Public/security/latest/confusables.txt), given
# as $1: keeps the header (version and terms of use) and the two mapping
# fields of each line.
set -eu
src=${1:?usage: gen.sh path/to/confusables.txt}
{
	sed -n 1,11p "$src"
	echo "#"
	echo "# Trimmed by TokenManager to the mapping fields (source ; prototype), one"
	echo "# mapping a line, from confusables.txt of Unicode $(sed -n 's/^# Version: //p' "$src"), sha256"
	echo "# $(sha256sum "$src" | cut -d' ' -f1)."
	awk -F';' '/^[0-9A-F]/ { gsub(/[ \t]/,"",$1); t=$2; gsub(/^[ \t]+|[ \t]+$/,"",t); print $1 ";" t }' "$src"
} > "$(dirname "$0")/confusables.txt"
