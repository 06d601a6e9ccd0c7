"""Text in the pixels: line detection, OCR with two engines, the recognizers, pen marks, the text stage."""
