#!/bin/sh
# Lays out the OpenTelemetry Operator's auto-instrumentation directory for HuleEdu services.
#
#   install.sh SOURCE TARGET      (PYTHON selects the interpreter; default python3)
#
# SOURCE is this repository; TARGET becomes what the operator's init container copies into the
# pod (/autoinstrumentation, or /autoinstrumentation-musl). The image's Dockerfile and the
# injection test both run this script, so what the test starts is what the image ships.
set -eu

source_dir=$1
target=$2
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT

"$python" -m pip wheel --quiet --no-deps --wheel-dir "$wheels" "$source_dir"
"$python" -m pip install --quiet --target "$target" \
  -c "$source_dir/constraints.txt" -r "$here/requirements.txt"
# Console scripts carry the build interpreter's path in their shebang: useless in a pod.
rm -rf "$target/bin"
# Our wheel without its framework dependencies: the service's own copies are used.
"$python" -m pip install --quiet --target "$target" --no-deps "$wheels"/*.whl
rm -rf "$target/bin"
# The init container and the application may run as any user.
chmod -R go+rX "$target"
