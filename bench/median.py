"""Prints the median of each command in a hyperfine --export-json file."""
import json
import sys

for result in json.load(open(sys.argv[1]))["results"]:
    print(f"median: {result['median'] * 1000:.2f} ms  {result['command']}")
