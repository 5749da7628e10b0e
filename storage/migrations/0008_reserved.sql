-- PLACEHOLDER, NOT A MIGRATION: keeps this branch's numbering contiguous (1..9) until the
-- real 0008 (written on another branch) lands on main. Delete this file when merging.
SELECT 1;
