"""The repository's own files: ``sdd init``, the contexts, the generated blocks, the git
merge drivers, ``sdd adopt`` and the ``sdd open`` briefing.
"""
