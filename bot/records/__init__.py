"""Taking the record out: case files as pages, and the operator's records commands."""
