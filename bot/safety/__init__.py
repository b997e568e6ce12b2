"""Safety adapters: config models, the compiled filter engine, spam model, scorers, CLI.

Heavy libraries (scikit-learn, transformers) are imported inside functions so importing this
package stays cheap.
"""
