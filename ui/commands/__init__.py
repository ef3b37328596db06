"""Undoable commands (QUndoCommand) whose redo and undo call the engine through run_op."""
