"""The Screens view: its widget (view), its state and engine calls (presenter), its wording."""
