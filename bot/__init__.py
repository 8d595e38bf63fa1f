"""Evidence bot core: knowledge, glossary, matching, conversation. Imports no chat platform."""
