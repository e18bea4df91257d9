#!/bin/sh
# Runs the determinism program ($1) over the roots (the rest) in 3 processes; each must pass on
# its own and all three must print the same answers byte for byte.
set -e
prog=$1; shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for i in 1 2 3; do "$prog" "$@" > "$dir/$i.out"; done
cmp "$dir/1.out" "$dir/2.out"
cmp "$dir/1.out" "$dir/3.out"
echo "3 processes, $(wc -l < "$dir/1.out") answers, identical"
