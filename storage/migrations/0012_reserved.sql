-- PLACEHOLDER, NOT A MIGRATION: keeps this branch's numbering contiguous (1..13) until the
-- real 0012 (written on another branch) lands on main. Delete this file when merging.
SELECT 1;
