"""`observatoire bench`: how fast the dashboard answers, from one académie to national scale."""
