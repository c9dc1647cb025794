"""Bundled voice clips for the audio challenge, their NOTICE, and the script that built them (build.py)."""
