"""The comité de pilotage deck: slides built once, its charts, and its PowerPoint and PDF files."""
