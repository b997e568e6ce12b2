"""Time features at run time: the ``TimePort`` service, start-up schedules, demo summary."""
