"""The Schedules view: its widget (view), its engine calls (presenter), its wording."""
