"""The secretariat's pages of a round's feedback to applicants (``rules.feedback``): the comments judges shared, edited
or hidden, the release and its withdrawal, and a preview of what an applicant reads."""
