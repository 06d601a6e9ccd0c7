"""Safe copies: painting covers, the copy's crop/turn/cut/scale, writing copies checked again."""
