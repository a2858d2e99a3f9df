"""`observatoire bench`: how fast the dashboard answers, from Guyane to national scale."""
