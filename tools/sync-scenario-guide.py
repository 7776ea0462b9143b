#!/usr/bin/env python3
"""Copies examples/HelloScenario's files into docs/writing-a-scenario.md's code blocks.

A test (ScenarioExecutableTests.The_guide_shows_the_example_code_as_it_is) fails when they drift apart.
"""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
guide = root / "docs" / "writing-a-scenario.md"
text = guide.read_text()
for name, lang in [("HelloScenario.csproj", "xml"), ("Program.cs", "csharp"), ("PoemScenario.cs", "csharp"), ("PoemResponder.cs", "csharp")]:
    code = (root / "examples" / "HelloScenario" / name).read_text().rstrip("\n")
    pattern = re.compile(r"(`" + re.escape(name) + r"`[^`]*?:\n\n```" + lang + r"\n)(.*?)(\n```)", re.S)
    text, count = pattern.subn(lambda m: m.group(1) + code + m.group(3), text)
    if count != 1:
        raise SystemExit(f"no code block for {name} in {guide}")
guide.write_text(text)
