"""The hub relay (``jupyter itbridge relay``): a JupyterHub service that holds the ticket-system
credentials, files every user's requests once, dedupes across users and gives IT one view.

Importing this package is cheap; ``app.py`` imports JupyterHub and tornado.
"""
