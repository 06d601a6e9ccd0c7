"""The screen: the stages run on one photo or video, and the verdict they add up to."""
