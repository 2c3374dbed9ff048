"""The documents that leave the portal on paper: the 申报书 as PDF and the reviewer's dossier.

- :mod:`.facts`: what a printed 申报书 says about itself (campaign, issuers, submitted version and its
  fingerprint, the self-check remarks);
- :mod:`.pdf`: the 申报书 rendered by WeasyPrint from the print view's template;
- :mod:`.dossier`: the 申报书 followed by every uploaded file, with bookmarks (pypdf);
- :mod:`.zipstream`: a ZIP of dossiers written while it is sent;
- :mod:`.views`: the routes, for everyone the application's access rule lets in.
"""
