#!/usr/bin/env bash
# Builds the solution (warnings are errors) and publishes the single-file `matrix` executable to ./bin/matrix.
#   ./build.sh            build + publish
#   ./build.sh test       build + publish, then run every test (what CI runs; see test.sh), which
#                         starts with `dotnet format --verify-no-changes` (~3 minutes here)
#   ./build.sh format     apply `dotnet format` to the whole solution (whitespace, imports, style)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [[ "${1:-}" == "format" ]]; then
  exec dotnet format Matrix.sln
fi

dotnet build Matrix.sln -c Release -nologo -clp:ErrorsOnly
dotnet publish Matrix.Scenarios/Matrix.Scenarios.csproj -c Release -r linux-x64 --self-contained false \
  -p:PublishSingleFile=true -p:SatelliteResourceLanguages=en -o bin -nologo -clp:ErrorsOnly
echo "built: $(pwd)/bin/matrix"

if [[ "${1:-}" == "test" ]]; then
  exec ./test.sh
fi
