"""Survey pages, one module per thing a person does:

- ``setup``: coordinators set a wave up (form, indicators, opening and closing, public
  link, respondent links, publication), everyone in the territory reads the wave's page;
- ``answer``: the public, citizen side (``s/``), no account, one indicator per screen;
- ``paper``: printed questionnaires, typed in by keyboard or imported from a file;
- ``results``: the results of a wave, the comparison with its ex-ante wave, the exports
  and the public results page.

``common`` holds the few helpers they share."""
