# Mirrors build.sh for PowerShell users: build (warnings are errors), publish ./bin/matrix, optionally test.
#   ./build.ps1          build + publish
#   ./build.ps1 test     build + publish + dotnet format --verify-no-changes + every test
#   ./build.ps1 format   apply dotnet format
param([string]$Target = "")
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot
$env:DOTNET_CLI_TELEMETRY_OPTOUT = "1"; $env:DOTNET_NOLOGO = "1"

if ($Target -eq "format") { dotnet format Matrix.sln; exit $LASTEXITCODE }
dotnet build Matrix.sln -c Release -nologo -clp:ErrorsOnly
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
$rid = if ($IsWindows) { "win-x64" } elseif ($IsMacOS) { "osx-arm64" } else { "linux-x64" }
dotnet publish Matrix.Scenarios/Matrix.Scenarios.csproj -c Release -r $rid --self-contained false `
  -p:PublishSingleFile=true -p:SatelliteResourceLanguages=en -o bin -nologo -clp:ErrorsOnly
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Write-Host "built: $PSScriptRoot/bin/matrix"

if ($Target -eq "test") {
  dotnet format Matrix.sln --verify-no-changes --no-restore
  if ($LASTEXITCODE -ne 0) { Write-Host "dotnet format --verify-no-changes failed: ./build.ps1 format fixes it"; exit $LASTEXITCODE }
  Push-Location tools/arrow-reader; npm ci --no-audit --no-fund --loglevel=error; Pop-Location
  dotnet test Matrix.Tests/Matrix.Tests.csproj -c Release --no-build --nologo
  exit $LASTEXITCODE
}
