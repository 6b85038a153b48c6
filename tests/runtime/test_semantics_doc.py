"""Every spec ID that the runtime, the codemod, its rules or the tests cite is defined in
docs/runtime-semantics.md (rule documentation cites it to say what the new API does).

Citations are `S7.3` in code and docstrings and `test_s7_3_...` test names; a definition is a
bullet `- **S7.3**` in the document.
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / 'docs' / 'runtime-semantics.md'
CITING = [ROOT / 'runtime', ROOT / 'rules', ROOT / 'gluon_codemod', ROOT / 'tests']

_CITED_IN_TEXT = re.compile(r'\bS(\d+)\.(\d+)\b')
_CITED_BY_TEST_NAME = re.compile(r'\btest_s(\d+)_(\d+)')
_DEFINED = re.compile(r'^- \*\*S(\d+)\.(\d+)\*\*', re.MULTILINE)


def cited_ids(text):
    """`{'S7.3', ...}` cited in `text`, by mention or by test name."""
    found = _CITED_IN_TEXT.findall(text) + _CITED_BY_TEST_NAME.findall(text)
    return {'S%s.%s' % pair for pair in found}


def defined_ids(text):
    return {'S%s.%s' % pair for pair in _DEFINED.findall(text)}


def _citations(folders=CITING):
    out = {}
    for folder in folders:
        for path in sorted(folder.rglob('*.py')):
            if path.resolve() == Path(__file__).resolve():
                continue  # this file's examples cite IDs on purpose
            for spec_id in cited_ids(path.read_text(encoding='utf-8')):
                out.setdefault(spec_id, []).append(str(path.relative_to(ROOT)))
    return out


def test_every_cited_id_is_defined():
    defined = defined_ids(DOC.read_text(encoding='utf-8'))
    undefined = {spec_id: files for spec_id, files in _citations().items()
                 if spec_id not in defined}
    assert not undefined, ('spec IDs cited but not defined in %s: %s'
                           % (DOC.relative_to(ROOT), undefined))


def test_each_id_is_defined_once():
    ids = _DEFINED.findall(DOC.read_text(encoding='utf-8'))
    repeated = sorted({'S%s.%s' % i for i in ids if ids.count(i) > 1})
    assert not repeated, 'defined more than once: %s' % repeated


@pytest.mark.parametrize('folder,some_cited', [
    ('runtime', {'S7.3', 'S7.4', 'S13.5'}),
    ('tests', {'S12.1', 'S2.4', 'S6.15'}),
    ('rules', {'S3.3', 'S7.6', 'S0.1'}),  # the rules' documentation
    ('gluon_codemod', {'S3.3', 'S5.6', 'S6.15'}),
])
def test_each_scanned_folder_cites_the_document(folder, some_cited):
    # Guards the scan itself: if the folders or patterns were wrong, nothing would be cited
    # and the first test would pass vacuously.
    assert ROOT / folder in CITING
    assert some_cited <= set(_citations([ROOT / folder]))


@pytest.mark.parametrize('text,expected', [
    ('see spec S7.3 and S10.1.', {'S7.3', 'S10.1'}),
    ('def test_s6_14_forward_only():', {'S6.14'}),
    ('versions 1.9.1 and 2.0 are not IDs', set()),
])
def test_citation_patterns(text, expected):
    assert cited_ids(text) == expected


def test_an_undefined_citation_is_reported(tmp_path):
    doc = '- **S1.1** defined.\n'
    assert cited_ids('# cites S1.1 and S99.9') - defined_ids(doc) == {'S99.9'}
