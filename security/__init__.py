"""Keeping applicants' data private in Temporal: payload encryption and the connection.

- ``security.keys``: the AES-256 keys by id (``ACCRED_PAYLOAD_KEYS``), and the development key
  generated for local and test runs.
- ``security.codec``: the payload codec that encrypts every payload with AES-GCM.
- ``security.connection``: what ``worker.connect()`` passes to ``Client.connect``: the data
  converter with the codec, TLS and the API key.

This module imports nothing, so ``settings`` can use ``security.keys`` cheaply.
"""
