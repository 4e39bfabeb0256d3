"""Certificates: the public page that confirms one from its code, the winners' downloads, and the secretariat's page
of an edition's certificates (who signs them, the date, every certificate issued)."""
