#!/usr/bin/env python3
"""Citation-like data from Debian's package lists, for scripts/eval-recommend.ts.

A package is a paper (title: its short description, abstract: its long one) and
the packages it depends on are its references. Only Python 3 library packages
(python3-*) are kept, and only dependencies that at most 50 of them depend on
(numpy, six, requests are cited by everything, like a textbook) and that are
not the same project's own parts (python3-X-lib for python3-X). Reads what
`apt-get update -o Acquire::Languages=en` fetched (the long descriptions are in
the English translation lists), through `apt-cache`; writes OUT/papers.jsonl and
OUT/citations.jsonl ({"id", "references": [ids]}).

    python3 scripts/recommend/debian-citations.py OUT
"""
import json
import re
import subprocess
import sys
from pathlib import Path

MAX_CITED_BY = 50


def packages(text):
    """Each stanza of apt-cache output as (name, short description, long description, depends)."""
    for stanza in text.split('\n\n'):
        name = re.search(r'^Package: (.+)$', stanza, re.M)
        if not name:
            continue
        description = re.search(r'^Description(?:-en)?: (.*)((?:\n .*)*)', stanza, re.M)
        depends = re.search(r'^Depends: (.+)$', stanza, re.M)
        names = [re.split(r'[ (:]', part.strip().split('|')[0].strip())[0] for part in depends.group(1).split(',')] if depends else []
        long = ' '.join(line.strip() for line in description.group(2).split('\n') if line.strip() not in ('', '.')) if description else ''
        yield name.group(1), description.group(1).strip() if description else '', long, names


def main(out):
    listing = subprocess.run(['apt-cache', 'dumpavail'], capture_output=True, text=True, check=True).stdout
    depends = {name: deps for name, _, _, deps in packages(listing) if name.startswith('python3-')}
    cited_by = {}
    for deps in depends.values():
        for dep in set(deps):
            if dep in depends:
                cited_by[dep] = cited_by.get(dep, 0) + 1

    def references(name):
        project = name.removesuffix('-lib')
        return sorted({dep for dep in depends[name] if dep in depends and cited_by.get(dep, 0) <= MAX_CITED_BY and not dep.startswith(project + '-') and not project.startswith(dep + '-')})

    citing = {name: references(name) for name in depends if len(references(name)) >= 2}
    corpus = sorted(set(citing) | {ref for refs in citing.values() for ref in refs})
    shown = subprocess.run(['apt-cache', '-o', 'Acquire::Languages=en', 'show', '--no-all-versions', *corpus], capture_output=True, text=True, check=True).stdout
    text = {name: (short, long) for name, short, long, _ in packages(shown)}
    Path(out).mkdir(parents=True, exist_ok=True)
    with open(Path(out) / 'papers.jsonl', 'w') as papers:
        for name in corpus:
            short, long = text[name]
            papers.write(json.dumps({'id': name, 'title': short, 'abstract': long}) + '\n')
    with open(Path(out) / 'citations.jsonl', 'w') as citations:
        for name, refs in sorted(citing.items()):
            citations.write(json.dumps({'id': name, 'references': refs}) + '\n')
    print(f'{len(corpus)} packages, {len(citing)} citing at least 2 of them', file=sys.stderr)


main(sys.argv[1])
